import { describe, expect, it } from 'vitest';
import { check, lines, only } from './support.js';

describe('each section is checked, with line:col and a fix', () => {
  it('an unknown section with a near-miss name', () => {
    const d = only(check('pool:\n  deploys: { slots: 2 }\n'));
    expect(lines([d])).toEqual(["cairn.yaml:1:1: error CFG_UNKNOWN_KEY: unknown key 'pool'. Did you mean 'pools'?"]);
    expect(d.fix).toBe("rename 'pool'");
  });

  it('an unknown key with nothing close lists the keys that exist', () => {
    const d = only(check('store:\n  location: x.db\n'));
    expect(lines([d])).toEqual(["cairn.yaml:2:3: error CFG_UNKNOWN_KEY: store: unknown key 'location'"]);
    expect(d.fix).toBe("remove 'location'; the keys here are 'path' and 'synchronous'");
  });

  it('store: synchronous must be a known mode', () => {
    expect(lines(check('store:\n  synchronous: ful\n').diagnostics)).toEqual([
      "cairn.yaml:2:16: error CFG_TYPE: store.synchronous: expected one of 'off', 'normal', 'full' and 'extra', found 'ful' (a string). Did you mean 'full'?",
    ]);
  });

  it('defaults: the step retry format, levels, strategies, timeouts', () => {
    const result = check(['defaults:', '  timeout_seconds: 0', '  retry:', '    max_attemps: 3', '  validation_level: strct', '  rollback_strategy: gracefull'].join('\n'));
    expect(lines(result.diagnostics)).toEqual([
      'cairn.yaml:2:20: error CFG_TYPE: defaults.timeout_seconds: must be greater than 0',
      "cairn.yaml:4:5: error CFG_UNKNOWN_KEY: defaults.retry: unknown key 'max_attemps'. Did you mean 'max_attempts'?",
      "cairn.yaml:5:21: error CFG_TYPE: defaults.validation_level: expected one of 'basic', 'standard', 'strict' and 'paranoid', found 'strct' (a string). Did you mean 'strict'?",
      "cairn.yaml:6:22: error CFG_TYPE: defaults.rollback_strategy: expected one of 'immediate', 'graceful', 'checkpoint' and 'manual', found 'gracefull' (a string). Did you mean 'graceful'?",
    ]);
  });

  it('defaults become the camelCase Config, retry as the engine policy', () => {
    const { config, diagnostics } = check(['defaults:', '  timeout_seconds: 600', '  retry: { max_attempts: 3, backoff: fixed, initial_delay: 2s }', '  validation_level: strict', '  rollback_strategy: graceful'].join('\n'));
    expect(diagnostics).toEqual([]);
    expect(config.defaults).toEqual({
      timeoutSeconds: 600,
      retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 2000, maxDelayMs: 60_000, jitter: 0.2 },
      validationLevel: 'strict',
      rollbackStrategy: 'graceful',
    });
    expect(check('defaults: { retry: 4 }').config.defaults.retry?.maxAttempts).toBe(4);
  });

  it('a section of the wrong type', () => {
    expect(lines(check('commands: [hv-status]\n').diagnostics)).toEqual(['cairn.yaml:1:11: error CFG_TYPE: commands: expected a mapping, found a list']);
  });

  it('pools: a positive whole number of slots', () => {
    expect(lines(check('pools:\n  deploys: { slots: 1.5 }\n  builds: { slots: 0 }\n  tests: { description: x }\n').diagnostics)).toEqual([
      'cairn.yaml:2:21: error CFG_TYPE: pools.deploys.slots: expected a whole number of slots, found 1.5 (a number)',
      'cairn.yaml:3:20: error CFG_TYPE: pools.builds.slots: must be at least 1',
      "cairn.yaml:4:10: error CFG_REQUIRED: pools.tests.slots: missing required key 'slots'",
    ]);
    expect(check('pools:\n  deploys: { slots: 2, description: one deploy per region }\n').config.pools).toEqual({ deploys: { slots: 2, description: 'one deploy per region' } });
  });

  it('names of commands, channels and pools', () => {
    const d = only(check('pools:\n  "two words": { slots: 1 }\n'));
    expect(lines([d])).toEqual(["cairn.yaml:2:3: error CFG_NAME: pools.two words: a pool name is letters, digits, _, - and ., starting with a letter or _ (at most 128), found 'two words'"]);
  });

  it('a `__proto__` name stays a plain name', () => {
    const { config, diagnostics } = check('pools:\n  __proto__: { slots: 3 }\n');
    expect(diagnostics).toEqual([]);
    expect(Object.keys(config.pools)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(config.pools)).toBe(Object.prototype);
  });

  it('retention: ages in minutes, hours, days or weeks; an unknown key or a bare number is refused', () => {
    const { config, diagnostics } = check('retention: { runs: 30d, logs: 7d, audit: 2w, sweep_every: 90m }\n');
    expect(diagnostics).toEqual([]);
    expect(config.retention).toEqual({ runsMs: 30 * 86_400_000, logsMs: 7 * 86_400_000, auditMs: 14 * 86_400_000, sweepEveryMs: 90 * 60_000 });
    expect(config.reserved).toEqual({});
    expect(lines(check('retention: { days: 30 }\n').diagnostics).join('\n')).toContain('days');
    expect(lines(check('retention: { runs: 30 }\n').diagnostics).join('\n')).toContain('retention.runs: expected a string');
    expect(lines(check('retention: { runs: 30 days }\n').diagnostics).join('\n')).toContain('expected an age such as "90m", "12h", "30d" or "2w"');
  });

  it('secrets: the file and the key file are resolved against the configuration', () => {
    const { config, diagnostics } = check('secrets: { file: secrets.yaml, key_file: /etc/cairn/master.key }\n');
    expect(diagnostics).toEqual([]);
    expect(config.secrets.file).toMatch(/\/secrets\.yaml$/);
    expect(config.secrets.keyFile).toBe('/etc/cairn/master.key');
  });

  it('server: settings for cairn serve, with durations and paths resolved', () => {
    const { config, diagnostics } = check(
      'server:\n  port: 9000\n  workflows: flows\n  cors_origins: [https://ops.example.com]\n  rate_limit: { max: 100, per: 10s }\n  failed_auth: { max: 5 }\n  shutdown_grace: 1m\n  webhooks: { allow_private: [10.0.0.0/8] }\n',
    );
    expect(diagnostics).toEqual([]);
    expect(config.server).toEqual({
      port: 9000,
      workflows: expect.stringMatching(/[/\\]flows$/),
      corsOrigins: ['https://ops.example.com'],
      rateLimit: { max: 100, windowMs: 10_000 },
      failedAuth: { max: 5, windowMs: 60_000 },
      shutdownGraceMs: 60_000,
      allowPrivateWebhooks: ['10.0.0.0/8'],
    });
    expect(lines(check('server:\n  cors_origins: ["*"]\n  port: 70000\n').diagnostics).join('\n')).toMatch(/cairn\.yaml:2:\d+: error .*scheme:\/\/host[\s\S]*cairn\.yaml:3:\d+: error/);
  });

  it('cairn.json may name its JSON Schema', () => {
    expect(check('{ "$schema": "./node_modules/cairn/schema/config.schema.json" }', {}, 'cairn.json').diagnostics).toEqual([]);
  });

  it('reports every problem of the file at once', () => {
    const result = check('stor: {}\npools: { a: { slots: 0 } }\ncommands: { shell: { uses: shell } }\n');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['CFG_UNKNOWN_KEY', 'CFG_TYPE', 'CFG_SHADOWS_BUILTIN']);
  });

  it('store.path: a relative file is relative to the file; URLs and absolute paths are kept', () => {
    expect(check('store: { path: data/cairn.db, synchronous: full }').config.store).toEqual({ path: '/etc/cairn/data/cairn.db', synchronous: 'full' });
    expect(check('store: { path: /var/lib/cairn.db }').config.store.path).toBe('/var/lib/cairn.db');
    expect(check('store: { path: "postgres://cairn@db/cairn" }').config.store.path).toBe('postgres://cairn@db/cairn');
  });
});

describe('notify channels', () => {
  it('webhook, slack and log', () => {
    const text = ['notify:', '  channels:', '    ops:', '      type: webhook', '      url: https://hooks.example.com/cairn', '      headers: { X-Team: ops }', '    chat: { type: slack, url: "https://hooks.slack.com/services/T/B/x" }', '    run-log: { type: log }'].join('\n');
    const { config, diagnostics } = check(text);
    expect(diagnostics).toEqual([]);
    expect(config.notify.channels).toEqual({
      ops: { type: 'webhook', url: 'https://hooks.example.com/cairn', headers: { 'X-Team': 'ops' } },
      chat: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
      'run-log': { type: 'log' },
    });
  });

  it('an unknown type, a missing type, a bad url, a key the type does not take', () => {
    const text = ['notify:', '  channels:', '    a: { type: slak, url: "https://x.example" }', '    b: { url: "https://x.example" }', '    c: { type: webhook, url: "ftp://x.example" }', '    d: { type: slack, url: "https://x.example", headers: {} }'].join('\n');
    expect(lines(check(text).diagnostics)).toEqual([
      "cairn.yaml:3:16: error CFG_TYPE: notify.channels.a.type: expected one of 'webhook', 'slack' and 'log', found 'slak' (a string). Did you mean 'slack'?",
      "cairn.yaml:4:8: error CFG_REQUIRED: notify.channels.b.type: missing required key 'type' (one of 'webhook', 'slack' and 'log')",
      'cairn.yaml:5:30: error CFG_TYPE: notify.channels.c.url: expected an http:// or https:// URL, or a ${env:NAME} reference',
      "cairn.yaml:6:49: error CFG_UNKNOWN_KEY: notify.channels.d: unknown key 'headers'",
    ]);
  });
});
