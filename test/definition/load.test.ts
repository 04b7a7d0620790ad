import { mkdtemp, rm, truncate, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, loadDefinitionFile, parseDefinition } from '../../src/definition/index.js';
import { at, only } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-def-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDefinitionFile', () => {
  it('reads YAML and JSON by extension and names the file in diagnostics', async () => {
    await writeFile(join(dir, 'a.yml'), 'name: a\nsteps:\n  - id: s\n    timeout_seconds: nope\n');
    const yml = await loadDefinitionFile(join(dir, 'a.yml'));
    expect(yml.format).toBe('yaml');
    const d = only(yml.diagnostics, 'DEF_TYPE');
    expect(d.file).toBe(join(dir, 'a.yml'));
    expect(at(d)).toBe('4:22');
    await writeFile(join(dir, 'b.json'), '{"name": "b", "steps": [{"id": "s"}]}');
    const json = await loadDefinitionFile(join(dir, 'b.json'));
    expect(json.format).toBe('json');
    expect(json.workflow?.id).toBe('b');
  });

  it('refuses a 2 MiB file from its size, before reading it', async () => {
    const big = join(dir, 'big.yaml');
    await writeFile(big, `name: big\nsteps: [{id: a}]\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const parsed = await loadDefinitionFile(big);
    const d = only(parsed.diagnostics, 'DEF_TOO_LARGE');
    expect(d.message).toMatch(/^the definition is 2097\d{3} bytes; the limit is 1048576 bytes$/);
    expect(d.file).toBe(big);
    expect(parsed.source).toBe('');
  });

  it('refuses a huge sparse file without reading it (memory stays flat)', async () => {
    const huge = join(dir, 'huge.yaml');
    await writeFile(huge, '');
    await truncate(huge, 8 * 1024 * 1024 * 1024); // 8 GiB of holes: reading it would be obvious
    const before = process.memoryUsage().rss;
    const parsed = await loadDefinitionFile(huge);
    expect(only(parsed.diagnostics, 'DEF_TOO_LARGE').message).toContain('8589934592 bytes');
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('honours a custom limit, and parseDefinition applies it to text', async () => {
    await writeFile(join(dir, 'c.yaml'), 'name: c\nsteps: [{id: a}]\n');
    expect(only((await loadDefinitionFile(join(dir, 'c.yaml'), { maxBytes: 10 })).diagnostics, 'DEF_TOO_LARGE').message).toContain('limit is 10 bytes');
    expect(only(parseDefinition('x'.repeat(DEFAULT_MAX_BYTES + 1)).diagnostics, 'DEF_TOO_LARGE').path).toEqual([]);
    // Multi-byte characters count as bytes, not characters.
    expect(only(parseDefinition('é'.repeat(DEFAULT_MAX_BYTES / 2 + 1)).diagnostics, 'DEF_TOO_LARGE')).toBeDefined();
  });

  it('turns missing files, directories and non-UTF-8 bytes into diagnostics', async () => {
    const missing = await loadDefinitionFile(join(dir, 'nope.yaml'));
    expect(only(missing.diagnostics, 'DEF_READ').message).toContain('does not exist');
    await mkdir(join(dir, 'sub.yaml'));
    expect(only((await loadDefinitionFile(join(dir, 'sub.yaml'))).diagnostics, 'DEF_READ').message).toContain('is not a file');
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(only((await loadDefinitionFile(join(dir, 'latin1.yaml'))).diagnostics, 'DEF_READ').message).toContain('not UTF-8');
  });

  it('reports an unreadable file when permissions apply', async () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const locked = join(dir, 'locked.yaml');
    await writeFile(locked, 'name: x\n');
    await chmod(locked, 0o000);
    expect(only((await loadDefinitionFile(locked)).diagnostics, 'DEF_READ').message).toContain('permission denied');
  });
});
