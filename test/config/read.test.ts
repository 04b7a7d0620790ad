import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_MAX_BYTES, defaultConfig } from '../../src/config/index.js';
import { check, directory, lines, load, only } from './support.js';

describe('finding the configuration file', () => {
  it('no file in the working directory means all defaults, without a word', async () => {
    const result = await load(await directory());
    expect(result).toEqual({ config: defaultConfig(), diagnostics: [] });
  });

  it('reads cairn.yaml, cairn.yml or cairn.json from the working directory', async () => {
    for (const [name, text] of [
      ['cairn.yaml', 'pools: { deploys: { slots: 2 } }\n'],
      ['cairn.yml', 'pools: { deploys: { slots: 2 } }\n'],
      ['cairn.json', '{ "pools": { "deploys": { "slots": 2 } } }\n'],
    ] as const) {
      const dir = await directory({ [name]: text });
      const result = await load(dir);
      expect(result.diagnostics, name).toEqual([]);
      expect(result.file).toBe(join(dir, name));
      expect(result.config.pools).toEqual({ deploys: { slots: 2 } });
    }
  });

  it('refuses to choose between two files in one directory', async () => {
    const dir = await directory({ 'cairn.yaml': 'pools: {}\n', 'cairn.json': '{}' });
    const d = only(await load(dir));
    expect(d.code).toBe('CFG_AMBIGUOUS');
    expect(d.message).toContain('cairn.yaml and cairn.json');
    expect(d.fix).toContain('--config');
  });

  it('--config names a file anywhere, relative to the working directory', async () => {
    const dir = await directory();
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'ops.yaml'), 'pools:\n  deploys: { slots: 0 }\n');
    const result = await load(dir, { path: 'etc/ops.yaml' });
    expect(result.file).toBe(join(dir, 'etc', 'ops.yaml'));
    expect(lines(result.diagnostics)).toEqual(['etc/ops.yaml:2:21: error CFG_TYPE: pools.deploys.slots: must be at least 1']);
  });

  it('a --config file that does not exist is an error (unlike a missing cairn.yaml)', async () => {
    const d = only(await load(await directory(), { path: 'nope.yaml' }));
    expect(d.code).toBe('CFG_READ');
    expect(d.message).toBe('nope.yaml does not exist');
    expect(d.file).toBe('nope.yaml');
  });

  it('a --config that is a directory is an error', async () => {
    const dir = await directory();
    await mkdir(join(dir, 'conf'));
    expect(only(await load(dir, { path: 'conf' })).code).toBe('CFG_READ');
  });
});

describe('reading the file', () => {
  it('an empty file, or one with only comments, is all defaults', async () => {
    for (const text of ['', '# nothing yet\n', '---\n']) {
      const result = await load(await directory({ 'cairn.yaml': text }));
      expect(result.diagnostics, JSON.stringify(text)).toEqual([]);
      expect(result.config).toEqual(defaultConfig());
    }
  });

  it('an empty section is fine', () => {
    expect(check('commands:\n  # hv-status: { uses: shell }\nnotify:\n  channels:\npools:\n').diagnostics).toEqual([]);
  });

  it('refuses a file over 1 MiB before reading it', async () => {
    const dir = await directory({ 'cairn.yaml': `# ${'x'.repeat(CONFIG_MAX_BYTES)}\n` });
    const d = only(await load(dir));
    expect(d.code).toBe('CFG_TOO_LARGE');
    expect(d.message).toMatch(/^the configuration file is \d+ bytes; the limit is 1048576 bytes$/);
    expect(d.file).toBe('cairn.yaml');
  });

  it('refuses YAML syntax errors with line and column', () => {
    expect(lines(check('store:\n  path: [unclosed\n').diagnostics)[0]).toMatch(/^cairn\.yaml:\d+:\d+: error CFG_YAML_SYNTAX: /);
  });

  it('refuses JSON syntax errors in cairn.json with line and column', () => {
    expect(lines(check('{\n  "store": { "path": "x", }\n}\n', {}, 'cairn.json').diagnostics)).toEqual(['cairn.json:2:27: error CFG_JSON_SYNTAX: trailing comma before }']);
  });

  it('refuses duplicate keys, pointing at the second and naming the first', () => {
    const d = only(check('store:\n  path: a.db\n  path: b.db\n'));
    expect(lines([d])).toEqual(["cairn.yaml:3:3: error CFG_DUPLICATE_KEY: duplicate key 'path': it is already set at line 2"]);
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    const d = only(check(bomb));
    expect(d.code).toBe('CFG_ALIAS_LIMIT');
    expect(d.line).toBe(2);
  });

  it('refuses nesting deeper than the parser allows', () => {
    expect(only(check(`store: ${'['.repeat(300)}`)).code).toBe('CFG_TOO_DEEP');
  });

  it('refuses a file that is not a mapping', () => {
    expect(lines(check('- store\n- pools\n').diagnostics)).toEqual(['cairn.yaml:1:1: error CFG_TYPE: the configuration is a mapping of sections (store, defaults, commands, notify, pools); found a list']);
  });

  it('refuses values JSON cannot hold', () => {
    expect(only(check('pools:\n  a: { slots: .inf }\n')).code).toBe('CFG_UNSUPPORTED_VALUE');
  });

  it('a file with errors yields the defaults, so nothing half-configured starts', async () => {
    const result = await load(await directory({ 'cairn.yaml': 'pools:\n  a: { slots: 2 }\n  b: { slots: -1 }\n' }));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['CFG_TYPE']);
    expect(result.config.pools).toEqual({});
  });
});
