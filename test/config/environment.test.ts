import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, defaultConfig } from '../../src/config/index.js';
import { check, directory, lines, load, only } from './support.js';

const WEBHOOK = ['notify:', '  channels:', '    ops:', '      type: webhook', '      url: "https://hooks.example.com/${env:OPS_HOOK_PATH}"', '      headers:', '        Authorization: "Bearer ${env:OPS_TOKEN}"', '    chat: { type: slack, url: "${env:SLACK_WEBHOOK_URL}" }'].join('\n');

describe('${env:NAME} in notify channels', () => {
  it('is resolved from the environment at load time', () => {
    const { config, diagnostics } = check(WEBHOOK, { OPS_HOOK_PATH: 'cairn', OPS_TOKEN: 's3cret', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' });
    expect(diagnostics).toEqual([]);
    expect(config.notify.channels).toEqual({
      ops: { type: 'webhook', url: 'https://hooks.example.com/cairn', headers: { Authorization: 'Bearer s3cret' } },
      chat: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
    });
  });

  it('a variable that is not set, or empty, is an error at the reference', () => {
    const result = check(WEBHOOK, { OPS_HOOK_PATH: 'cairn', OPS_TOKEN: '' });
    expect(lines(result.diagnostics)).toEqual([
      'cairn.yaml:7:32: error CFG_ENV_MISSING: notify.channels.ops.headers.Authorization: reads the environment variable OPS_TOKEN, which is empty',
      'cairn.yaml:8:32: error CFG_ENV_MISSING: notify.channels.chat.url: reads the environment variable SLACK_WEBHOOK_URL, which is not set',
    ]);
    expect(result.diagnostics[1]?.fix).toBe('set SLACK_WEBHOOK_URL in the environment Cairn starts in (export SLACK_WEBHOOK_URL=...), or remove the reference');
  });

  it('a malformed reference is an error', () => {
    expect(only(check('notify:\n  channels:\n    a: { type: slack, url: "${env:1BAD}" }\n')).code).toBe('CFG_ENV_REFERENCE');
    expect(only(check('notify:\n  channels:\n    a: { type: slack, url: "${env:UNCLOSED" }\n')).code).toBe('CFG_ENV_REFERENCE');
  });

  it('a resolved url that is not a URL is an error that does not print the secret', () => {
    const d = only(check('notify:\n  channels:\n    a: { type: slack, url: "${env:HOOK}" }\n', { HOOK: 'xoxb-secret-token' }));
    expect(d.code).toBe('CFG_TYPE');
    expect(d.message).not.toContain('xoxb');
  });

  it('a header value with a line break is refused, written or resolved (no header injection)', () => {
    const text = 'notify:\n  channels:\n    a: { type: webhook, url: "https://x.example", headers: { X-Token: "${env:TOKEN}" } }\n';
    const d = only(check(text, { TOKEN: 'abc\nX-Evil: 1' }));
    expect(d.message).toBe('notify.channels.a.headers.X-Token: after resolving ${env:...} the value holds a line break, which an HTTP header cannot');
    expect(only(check('notify:\n  channels:\n    a: { type: webhook, url: "https://x.example", headers: { X-Token: "a\\nb" } }\n')).message).toContain('cannot hold a line break');
  });

  it('elsewhere, ${env:...} stays as written, with a warning', () => {
    const result = check('commands:\n  deploy: { uses: shell, parameters: { env: { TOKEN: "${env:TOKEN}" } } }\n', { TOKEN: 'x' });
    expect(lines(result.diagnostics)).toEqual(['cairn.yaml:2:55: warning CFG_ENV_NOT_RESOLVED: commands.deploy.parameters.env.TOKEN: ${env:...} is resolved only in urls, headers and env of notify channels and mcp_servers; here it stays as written']);
    expect(result.config.commands.deploy?.parameters).toEqual({ env: { TOKEN: '${env:TOKEN}' } });
  });
});

describe('environment overrides', () => {
  it('CAIRN_DB, CAIRN_SYNCHRONOUS, CAIRN_VALIDATION_LEVEL and CAIRN_DEFAULT_TIMEOUT override the file', async () => {
    const dir = await directory({ 'cairn.yaml': 'store: { path: file.db, synchronous: off }\ndefaults: { validation_level: basic, timeout_seconds: 60 }\n' });
    const env = { CAIRN_DB: 'env.db', CAIRN_SYNCHRONOUS: 'FULL', CAIRN_VALIDATION_LEVEL: 'strict', CAIRN_DEFAULT_TIMEOUT: '10m' };
    const result = await load(dir, { env });
    expect(result.diagnostics).toEqual([]);
    expect(result.config.store).toEqual({ path: join(dir, 'env.db'), synchronous: 'full' });
    expect(result.config.defaults).toMatchObject({ validationLevel: 'strict', timeoutSeconds: 600 });
  });

  it('precedence: flag > environment > file > built-in default', async () => {
    const dir = await directory({ 'cairn.yaml': 'store: { path: file.db }\ndefaults: { validation_level: basic }\n' });
    const env = { CAIRN_DB: 'env.db', CAIRN_VALIDATION_LEVEL: 'strict' };
    expect((await load(await directory())).config.store.path).toBeUndefined();
    expect((await load(await directory())).config.defaults.validationLevel).toBe('standard');
    expect((await load(dir)).config.store.path).toBe(join(dir, 'file.db'));
    expect((await load(dir)).config.defaults.validationLevel).toBe('basic');
    expect((await load(dir, { env })).config.store.path).toBe(join(dir, 'env.db'));
    const flagged = await load(dir, { env, flags: { db: 'flag.db', validationLevel: 'paranoid', synchronous: 'extra', timeoutSeconds: 5 } });
    expect(flagged.config.store).toEqual({ path: join(dir, 'flag.db'), synchronous: 'extra' });
    expect(flagged.config.defaults).toMatchObject({ validationLevel: 'paranoid', timeoutSeconds: 5 });
  });

  it('a relative CAIRN_DB is relative to the working directory, a file path to the file', async () => {
    const dir = await directory();
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(dir, 'etc'));
    await writeFile(join(dir, 'etc', 'cairn.yaml'), 'store: { path: data.db }\n');
    expect((await load(dir, { path: 'etc/cairn.yaml' })).config.store.path).toBe(join(dir, 'etc', 'data.db'));
    expect((await load(dir, { path: 'etc/cairn.yaml', env: { CAIRN_DB: 'data.db' } })).config.store.path).toBe(join(dir, 'data.db'));
    expect((await load(dir, { env: { CAIRN_DB: 'postgres://cairn@db/cairn' } })).config.store.path).toBe('postgres://cairn@db/cairn');
  });

  it('a bad CAIRN_SYNCHRONOUS is a clear error naming the variable', async () => {
    const d = only(await load(await directory(), { env: { CAIRN_SYNCHRONOUS: 'fast' } }));
    expect(lines([d])).toEqual(["error CFG_ENV_VALUE: CAIRN_SYNCHRONOUS: must be one of 'off', 'normal', 'full' and 'extra'; got 'fast'"]);
    expect(d.fix).toBe('set CAIRN_SYNCHRONOUS=normal (the default), or unset it');
    expect(only(await load(await directory(), { env: { CAIRN_SYNCHRONOUS: 'ful' } })).message).toContain("Did you mean 'full'?");
  });

  it('bad CAIRN_VALIDATION_LEVEL and CAIRN_DEFAULT_TIMEOUT are errors naming the variable', () => {
    const env = { CAIRN_VALIDATION_LEVEL: 'stricter', CAIRN_DEFAULT_TIMEOUT: '0' };
    const { diagnostics } = applyOverrides(defaultConfig(), { env, cwd: '/' });
    expect(lines(diagnostics)).toEqual([
      "error CFG_ENV_VALUE: CAIRN_VALIDATION_LEVEL: must be one of 'basic', 'standard', 'strict' and 'paranoid'; got 'stricter'. Did you mean 'strict'?",
      "error CFG_ENV_VALUE: CAIRN_DEFAULT_TIMEOUT: expected a number of seconds greater than 0 (or a duration such as 90s, 10m, 1h); got '0'",
    ]);
    expect(applyOverrides(defaultConfig(), { env: { CAIRN_DEFAULT_TIMEOUT: 'soon' }, cwd: '/' }).diagnostics.map((d) => d.code)).toEqual(['CFG_ENV_VALUE']);
    expect(applyOverrides(defaultConfig(), { env: { CAIRN_DEFAULT_TIMEOUT: '90' }, cwd: '/' }).config.defaults.timeoutSeconds).toBe(90);
  });

  it('an empty variable counts as unset', () => {
    const { config, diagnostics } = applyOverrides(defaultConfig(), { env: { CAIRN_DB: '', CAIRN_SYNCHRONOUS: ' ', CAIRN_DEFAULT_TIMEOUT: '' }, cwd: '/' });
    expect(diagnostics).toEqual([]);
    expect(config).toEqual(defaultConfig());
  });

  it('errors in the file and in the environment are reported together', async () => {
    const result = await load(await directory({ 'cairn.yaml': 'pools: { a: { slots: 0 } }\n' }), { env: { CAIRN_SYNCHRONOUS: 'fast' } });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['CFG_TYPE', 'CFG_ENV_VALUE']);
  });
});
