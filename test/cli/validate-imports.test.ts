import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * `cairn validate` must start fast (BENCHMARKS.md, W4), so it loads the commands' specs
 * (src/actions/catalog.ts) and never the actions that run them: those pull in
 * node:child_process, undici and the MCP SDK. This builds the CLI bundle as `npm run
 * build` does (scripts/bundle-options.js), in memory, split into ES module chunks so
 * that the metafile shows the module graph: the shipped single CommonJS file evaluates a
 * module reached only through `import()` when that import runs, which is what a chunk
 * boundary is here. It follows the static imports from the entry and the `validate`
 * command: what must be evaluated before validation can decide to load anything lazily.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Loaded {
  /** Source files (relative to the repository) bundled into the loaded chunks. */
  inputs: Set<string>;
  /** Modules imported from outside the bundle (Node built-ins, external packages). */
  externals: Set<string>;
}

let loaded: Loaded;

beforeAll(async () => {
  const { bundleOptions } = (await import(pathToFileURL(join(ROOT, 'scripts/bundle-options.js')).href)) as { bundleOptions: (outdir: string) => BuildOptions };
  const options = { ...bundleOptions(join(ROOT, 'dist/bundle')), format: 'esm', splitting: true, outExtension: {}, define: {}, banner: {}, supported: {} } satisfies BuildOptions;
  const result = await build({ ...options, absWorkingDir: ROOT, write: false, metafile: true, logLevel: 'error' });
  loaded = staticClosure(result.metafile, ['src/cli/main.ts', 'src/cli/commands/validate.ts']);
}, 60_000);

/** The chunks of these entry points and every chunk they import statically (not `import()`). */
function staticClosure(meta: Metafile, entryPoints: string[]): Loaded {
  const outputs = meta.outputs;
  const queue = Object.keys(outputs).filter((name) => entryPoints.includes(outputs[name]?.entryPoint ?? ''));
  expect(queue).toHaveLength(entryPoints.length);
  const seen = new Set<string>();
  const inputs = new Set<string>();
  const externals = new Set<string>();
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const output = outputs[name];
    if (!output) continue;
    for (const input of Object.keys(output.inputs)) inputs.add(input);
    for (const imp of output.imports) {
      if (imp.kind !== 'import-statement' && imp.kind !== 'require-call') continue;
      if (imp.path in outputs) queue.push(imp.path);
      else externals.add(imp.path);
    }
  }
  return { inputs, externals };
}

describe('the modules `cairn validate` loads', () => {
  it('include the command specs and the validation code (so the checks below see the real path)', () => {
    expect(loaded.inputs).toContain('src/actions/catalog.ts');
    expect(loaded.inputs).toContain('src/actions/specs/shell.ts');
    expect(loaded.inputs).toContain('src/actions/specs/http.ts');
    expect(loaded.inputs).toContain('src/app/validate.ts');
    expect(loaded.inputs).toContain('src/definition/validate.ts');
  });

  it('leave out every action implementation and the registry that joins them', () => {
    const actions = [...loaded.inputs].filter((input) => /^src\/actions\/(registry|shell|http|mcp|mcp-clients|mcp-connection|spawned-process|process-tree|notify|gate|gate-checks|breakers|network-guard|log|wait|task|workflow|remember|recall)\.ts$/.test(input));
    expect(actions).toEqual([]);
  });

  it('leave out child processes, sockets, undici and the MCP SDK', () => {
    const packages = [...loaded.inputs].filter((input) => /node_modules\/(undici|@modelcontextprotocol|cockatiel|tinyglobby)\//.test(input));
    expect(packages).toEqual([]);
    const builtins = [...loaded.externals].filter((path) => /^(node:)?(child_process|net|http|https|worker_threads)$/.test(path));
    expect(builtins).toEqual([]);
  });

  it('leave out the runtime, the store, the servers and the other commands', () => {
    const heavy = /^src\/(store|server|mcp)\/|^src\/runtime\/(runtime|execute|worker)\.ts$|^src\/app\/cairn\.ts$/;
    const others = [...loaded.inputs].filter((input) => heavy.test(input) || (/^src\/cli\/commands\//.test(input) && input !== 'src/cli/commands/validate.ts'));
    expect(others).toEqual([]);
  });
});

/**
 * The same promise, kept by the real process: the built CLI, run with a preloaded script
 * that writes down, at exit, every file require() loaded and every Node built-in, including
 * what runs after the command (the audit trail's hook once loaded the whole application
 * and the SQLite driver from there).
 */
describe('cairn validate, as a process', () => {
  it('loads neither the store, its SQLite driver, undici nor the application', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { spawnSync } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-trace-'));
    const trace = join(dir, 'loaded.json');
    writeFileSync(
      join(dir, 'trace.cjs'),
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.CAIRN_TRACE_FILE, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n",
    );
    const r = spawnSync(process.execPath, ['--require', join(dir, 'trace.cjs'), join(ROOT, 'bin/cairn.js'), 'validate', join(ROOT, 'examples/hello.yaml')], {
      env: { ...process.env, CAIRN_TRACE_FILE: trace },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const { files, builtins } = JSON.parse(readFileSync(trace, 'utf8')) as { files: string[]; builtins: string[] };
    // The trace works: it saw the CLI's own bundle, and a built-in every run loads. (node:net
    // is not checked: Node loads it itself when stdout is a pipe, as here.)
    expect(files.some((f) => f.endsWith(join('dist', 'bundle', 'cairn.cjs')))).toBe(true);
    expect(builtins).toContain('NativeModule fs');
    expect(files.filter((f) => /node_modules[\\/](better-sqlite3|pg|undici|@modelcontextprotocol)[\\/]/.test(f))).toStrictEqual([]);
    expect(builtins.filter((b) => /^NativeModule (child_process|dgram|http|https)$/.test(b))).toStrictEqual([]);
  }, 60_000);
});
