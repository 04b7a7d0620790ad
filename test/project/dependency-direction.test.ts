import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const depcruiseBin = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Cruise {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run depcruise on src/ of `cwd` with the config found there; exit code = error count. */
function cruise(cwd: string, ...extra: string[]): Promise<Cruise> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [depcruiseBin, 'src', '--config', '.dependency-cruiser.cjs', ...extra],
      { cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** "rule: from -> to" lines, sorted, from depcruise's JSON report. */
function violations(stdout: string): string[] {
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  // npm targets resolve through the node_modules symlink to a file deep in the package.
  const target = (to: string) => to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'npm:$1');
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${target(v.to)}`).sort();
}

const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A throwaway project holding the real config, package.json and tsconfig.json plus the
 * given src/ files, so rules are proven without touching the shared src/ tree.
 */
async function fakeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-depcruise-'));
  scratch.push(dir);
  for (const name of ['.dependency-cruiser.cjs', 'package.json', 'tsconfig.json']) {
    await copyFile(join(repo, name), join(dir, name));
  }
  // npm packages resolve as in the repo, so the devDependency rule sees real packages.
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe('dependency direction between src/ folders', () => {
  it('passes on the real tree', async () => {
    const result = await cruise(repo);
    expect(result.stdout + result.stderr).not.toMatch(/error /);
    expect(result.code).toBe(0);
  });

  it('allows every edge the layer rule permits', async () => {
    const dir = await fakeProject({
      'src/engine/types.ts': 'export type Run = { id: string };\nexport const states = ["queued"];\n',
      'src/engine/machine.ts': 'import { states } from "./types.js";\nexport const first = states[0];\n',
      'src/expressions/evaluate.ts': 'export const evaluate = (s: string) => s;\n',
      'src/store/store.ts': 'import type { Run } from "../engine/types.js";\nexport type Store = { get(): Run };\n',
      'src/definition/parse.ts': [
        'import { parse as yaml } from "yaml";',
        'import { states } from "../engine/types.js";',
        'import { evaluate } from "../expressions/evaluate.js";',
        'import type { Shape } from "./shape.js";',
        'export const parse = (s: string): Shape => ({ v: evaluate(s), y: yaml(s), states });',
      ].join('\n'),
      // A type-only cycle is erased by tsc, so it is allowed.
      'src/definition/shape.ts': 'import type { parse } from "./parse.js";\nexport type Shape = { v: unknown; y: unknown; states: string[] };\nexport type P = typeof parse;\n',
      'src/actions/shell.ts': 'import { states } from "../engine/types.js";\nimport { evaluate } from "../expressions/evaluate.js";\nexport const shell = () => evaluate(states.join());\n',
      'src/runtime/loop.ts': [
        'import { first } from "../engine/machine.js";',
        'import type { Store } from "../store/store.js";',
        'import { shell } from "../actions/shell.js";',
        'import { evaluate } from "../expressions/evaluate.js";',
        'import { parse } from "../definition/parse.js";',
        'export const loop = (s: Store) => [first, s, shell(), evaluate(""), parse("")];',
      ].join('\n'),
      'src/app/cairn.ts': 'import { loop } from "../runtime/loop.js";\nimport { parse } from "../definition/parse.js";\nexport const app = { loop, parse };\n',
      'src/cli/main.ts': [
        'import { app } from "../app/cairn.js";',
        'import type { Run } from "../engine/types.js";',
        'import { format } from "./format.js";',
        'export const main = (r: Run) => format(String(app) + r.id);',
      ].join('\n'),
      'src/cli/format.ts': 'export const format = (s: string) => s;\n',
    });
    const result = await cruise(dir);
    expect(result.stdout + result.stderr).not.toMatch(/error /);
    expect(result.code).toBe(0);
  });

  it('fails on each kind of forbidden edge', async () => {
    const dir = await fakeProject({
      'src/engine/types.ts': 'export const states = ["queued"];\n',
      'src/engine/a.ts': 'import { b } from "../store/b.js";\nexport const a = b;\n',
      'src/store/b.ts': 'import { c } from "../actions/c.js";\nexport const b = c;\n',
      'src/actions/c.ts': 'import fc from "fast-check";\nexport const c = fc;\n',
      'src/expressions/e.ts': 'import { states } from "../engine/types.js";\nexport const e = states;\n',
      'src/runtime/x.ts': 'import { y } from "./y.js";\nexport const x = () => y;\n',
      'src/runtime/y.ts': 'import { x } from "./x.js";\nexport const y = () => x;\n',
      'src/app/api.ts': 'import { main } from "../cli/main.js";\nexport const api = main;\n',
      'src/cli/main.ts': 'import { b } from "../store/b.js";\nimport { states } from "../engine/types.js";\nexport const main = [b, states];\n',
      'src/server/routes.ts': 'import { main } from "../cli/main.js";\nexport const routes = main;\n',
      'src/cli/missing.ts': 'import { gone } from "./gone.js";\nexport const m = gone;\n',
    });
    // The default reporter sets the exit code `npm run lint` relies on; JSON names the rules.
    const [plain, json] = await Promise.all([cruise(dir), cruise(dir, '--output-type', 'json')]);
    expect(plain.code).toBe(12);
    expect(violations(json.stdout)).toEqual(
      [
        'engine-layer: src/engine/a.ts -> src/store/b.ts',
        'store-layer: src/store/b.ts -> src/actions/c.ts',
        'not-to-dev-dep: src/actions/c.ts -> npm:fast-check',
        'expressions-layer: src/expressions/e.ts -> src/engine/types.ts',
        'no-circular: src/runtime/x.ts -> src/runtime/y.ts',
        'app-not-to-front-doors: src/app/api.ts -> src/cli/main.ts',
        'nobody-to-front-doors: src/app/api.ts -> src/cli/main.ts',
        'front-door-only-to-app: src/cli/main.ts -> src/store/b.ts',
        'front-door-types-only-from-engine: src/cli/main.ts -> src/engine/types.ts',
        'front-door-only-to-app: src/server/routes.ts -> src/cli/main.ts',
        'nobody-to-front-doors: src/server/routes.ts -> src/cli/main.ts',
        'not-to-unresolvable: src/cli/missing.ts -> ./gone.js',
      ].sort(),
    );
  });
});
