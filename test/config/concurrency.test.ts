import { describe, expect, it } from 'vitest';
import { check, lines } from './support.js';

describe('concurrency: per-command limits (bulkheads)', () => {
  it('maps built-in commands to the attempts that may run at once', () => {
    const result = check('concurrency:\n  http: 4\n  shell: 8\n');
    expect(lines(result.diagnostics)).toEqual([]);
    expect(result.config.concurrency).toEqual({ http: 4, shell: 8 });
    expect(check('').config.concurrency).toEqual({});
    expect(check('concurrency:\n').config.concurrency).toEqual({});
  });

  it('refuses a key that names no built-in command, pointing at the key', () => {
    const result = check('concurrency:\n  shel: 2\n');
    expect(lines(result.diagnostics)).toEqual(["cairn.yaml:2:3: error CFG_UNKNOWN_KEY: concurrency.shel: 'shel' is not a built-in command. Did you mean 'shell'?"]);
    expect(result.diagnostics[0]?.fix).toMatch(/^the built-in commands are /);
    expect(result.config.concurrency).toEqual({});
  });

  it('says to limit the built-in when the key is a named command', () => {
    const result = check('commands:\n  hv-status: { uses: shell }\nconcurrency:\n  hv-status: 1\n');
    expect(lines(result.diagnostics)).toEqual(["cairn.yaml:4:3: error CFG_UNKNOWN_KEY: concurrency.hv-status: 'hv-status' is not a built-in command"]);
    expect(result.diagnostics[0]?.fix).toBe("'hv-status' is a named command: limit its built-in instead (`shell: N`)");
  });

  it('wants a whole number of at least 1', () => {
    expect(lines(check('concurrency:\n  http: 0\n  shell: 1.5\n  log: many\n').diagnostics)).toEqual([
      'cairn.yaml:2:9: error CFG_TYPE: concurrency.http: must be at least 1',
      'cairn.yaml:3:10: error CFG_TYPE: concurrency.shell: expected a whole number of attempts, found 1.5 (a number)',
      "cairn.yaml:4:8: error CFG_TYPE: concurrency.log: expected a whole number of attempts, found 'many' (a string)",
    ]);
  });
});

describe('circuit_breaker: the http steps’ breakers', () => {
  it('takes failures and a half_open_after duration', () => {
    expect(check('circuit_breaker:\n  failures: 3\n  half_open_after: 10s\n').config.circuitBreaker).toEqual({ failures: 3, halfOpenAfterMs: 10_000 });
    expect(check('circuit_breaker: { half_open_after: 1.5 }\n').config.circuitBreaker).toEqual({ halfOpenAfterMs: 1500 });
    expect(check('').config.circuitBreaker).toEqual({});
  });

  it('refuses bad values and unknown keys', () => {
    expect(lines(check('circuit_breaker:\n  failures: 0\n  half_open_after: soon\n  threshold: 2\n').diagnostics)).toEqual([
      'cairn.yaml:2:13: error CFG_TYPE: circuit_breaker.failures: must be at least 1',
      'cairn.yaml:3:20: error CFG_TYPE: circuit_breaker.half_open_after: expected a duration: seconds as a number, or a string such as "500ms", "30s", "1m", found \'soon\' (a string)',
      "cairn.yaml:4:3: error CFG_UNKNOWN_KEY: circuit_breaker: unknown key 'threshold'",
    ]);
  });
});
