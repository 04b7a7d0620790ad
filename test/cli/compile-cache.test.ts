import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * bin/cairn.js keeps V8's compiled code of the CLI bundle between runs (BENCHMARKS.md, W4),
 * as vm.Script cached data, one private file per command, under Node's own switches:
 * NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE. These run the real built CLI. That a
 * file another user could have written is never read: test/security (line 11).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HELLO = join(ROOT, 'examples/hello.yaml');

function cairn(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under dir, relative, with its size and modification time. */
function filesIn(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = statSync(join(dir, name));
    if (stat.isFile()) out.set(name, `${stat.size}:${stat.mtimeMs}`);
  }
  return out;
}

describe('the compiled-code cache of the CLI', () => {
  it('is written on the first run and used, unchanged, by the next; the output is the same', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    const first = cairn({ NODE_COMPILE_CACHE: dir }, 'validate', HELLO);
    expect(first.status, first.stderr).toBe(0);
    const written = filesIn(dir);
    expect(written.size).toBeGreaterThan(0);
    expect([...written.keys()].some((name) => /^cairn-.+-validate\.v8$/.test(name))).toBe(true);
    const second = cairn({ NODE_COMPILE_CACHE: dir }, 'validate', HELLO);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
    // Rewritten only when missing or refused by V8: unchanged means it was taken.
    expect(filesIn(dir)).toEqual(written);
  });

  it('names the cache by the command, past global options and their values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    writeFileSync(join(dir, 'cairn.yaml'), 'store: { path: c.db }\n');
    const r = cairn({ NODE_COMPILE_CACHE: dir }, '--config', join(dir, 'cairn.yaml'), '--db', join(dir, 'c.db'), 'validate', HELLO);
    expect(r.status, r.stderr).toBe(0);
    expect([...filesIn(dir).keys()].filter((name) => name.startsWith('cairn-')).map((name) => name.replace(/^.*-/, ''))).toEqual(['validate.v8']);
  });

  it('writes nothing with NODE_DISABLE_COMPILE_CACHE=1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    const r = cairn({ NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: '1' }, 'validate', HELLO);
    expect(r.status, r.stderr).toBe(0);
    expect(filesIn(dir).size).toBe(0);
  });

  it('a damaged or stale cache is ignored and replaced, never trusted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    const good = cairn({ NODE_COMPILE_CACHE: dir }, 'validate', HELLO);
    expect(good.status, good.stderr).toBe(0);
    const name = [...filesIn(dir).keys()].find((n) => n.endsWith('-validate.v8'))!;
    const path = join(dir, name);
    const stamp = readFileSync(path).subarray(0, readFileSync(path).indexOf(10) + 1);

    // The bundle's stamp is right, the code behind it is garbage: V8 refuses it.
    writeFileSync(path, Buffer.concat([stamp, Buffer.from('not V8 code at all')]));
    const damaged = cairn({ NODE_COMPILE_CACHE: dir }, 'validate', HELLO);
    expect(damaged.status, damaged.stderr).toBe(0);
    expect(damaged.stdout).toBe(good.stdout);
    expect(readFileSync(path).length).toBeGreaterThan(1000);

    // A cache made for another build of the bundle (another stamp) is not read at all.
    const code = readFileSync(path).subarray(stamp.length);
    writeFileSync(path, Buffer.concat([Buffer.from('1:2:3\n'), code]));
    const stale = cairn({ NODE_COMPILE_CACHE: dir }, 'validate', HELLO);
    expect(stale.status, stale.stderr).toBe(0);
    expect(readFileSync(path).subarray(0, stamp.length).equals(stamp)).toBe(true);
  });

  it('keeps no cache for a usage error, such as a mistyped command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    const r = cairn({ NODE_COMPILE_CACHE: dir }, 'valdate', HELLO);
    expect(r.status).toBe(2);
    // Node 22+ may keep its own small entries there; Cairn's are named cairn-*.
    expect([...filesIn(dir).keys()].filter((name) => name.startsWith('cairn-'))).toEqual([]);
  });

  it('keeps working when the cache folder cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cc-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = cairn({ NODE_COMPILE_CACHE: join(file, 'below') }, 'validate', HELLO);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('is valid');
  });
});
