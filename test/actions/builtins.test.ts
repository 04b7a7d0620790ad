import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { logAction } from '../../src/actions/log.js';
import { actionCatalog, builtinActions } from '../../src/actions/registry.js';
import { waitAction } from '../../src/actions/wait.js';
import { actionContext, linesOf } from './context.js';

describe('log', () => {
  it('logs a string as is and outputs the message', async () => {
    const t = actionContext(logAction.parameters.parse({ message: 'deployed v2' }));
    expect(await logAction.run(t.ctx)).toEqual({ outputs: { message: 'deployed v2' } });
    expect(t.lines).toEqual([{ stream: 'system', line: 'deployed v2' }]);
  });

  it('logs other values as JSON and keeps them as outputs', async () => {
    const message = { replicas: 3, ok: true };
    const t = actionContext(logAction.parameters.parse({ message, level: 'warn' }));
    expect((await logAction.run(t.ctx)).outputs.message).toEqual(message);
    expect(linesOf(t.lines, 'system')).toEqual(['warn: {"replicas":3,"ok":true}']);
  });

  it('logs each line of a multi-line message', async () => {
    const t = actionContext(logAction.parameters.parse({ message: 'a\nb', level: 'error' }));
    await logAction.run(t.ctx);
    expect(linesOf(t.lines, 'system')).toEqual(['error: a', 'error: b']);
  });

  it('needs a message and a known level', () => {
    expect(logAction.parameters.safeParse({}).success).toBe(false);
    expect(logAction.parameters.safeParse({ message: 'x', level: 'debug' }).success).toBe(false);
    expect(logAction.parameters.safeParse({ message: 0 }).success).toBe(true);
  });
});

describe('wait', () => {
  const parse = (p: unknown) => waitAction.parameters.safeParse(p);

  it('takes exactly one of seconds or until', () => {
    expect(parse({ seconds: 5 }).success).toBe(true);
    expect(parse({ until: '2030-01-01T09:00:00Z' }).success).toBe(true);
    expect(parse({ until: '2030-01-01T09:00:00+02:00' }).success).toBe(true);
    expect(parse({ until: '2030-01-01' }).success).toBe(true);
    expect(parse({}).success).toBe(false);
    expect(parse({ seconds: 5, until: '2030-01-01' }).success).toBe(false);
    expect(parse({ seconds: -1 }).success).toBe(false);
    expect(parse({ until: 'tomorrow' }).success).toBe(false);
  });

  it('refuses to run: the engine owns durable timers', async () => {
    const t = actionContext(waitAction.parameters.parse({ seconds: 1 }));
    await expect(waitAction.run(t.ctx)).rejects.toThrow(/durable timers/);
  });
});

describe('registry', () => {
  const actions = builtinActions();
  const catalog = actionCatalog(actions);

  it('holds the built-ins by name', () => {
    expect([...actions.keys()]).toEqual(expect.arrayContaining(['http', 'log', 'shell', 'wait']));
    for (const [name, action] of actions) expect(action.name).toBe(name);
  });

  it('answers the definition layer’s questions', () => {
    expect(catalog.names()).toEqual([...actions.keys()].sort());
    expect(catalog.has('shell')).toBe(true);
    expect(catalog.has('bogus')).toBe(false);
    expect(catalog.mutates('shell')).toBe(true);
    expect(catalog.mutates('http')).toBe(true);
    expect(catalog.mutates('log')).toBe(false);
    expect(catalog.mutates('bogus')).toBe(false);
    expect(Object.keys(catalog.noTemplates('shell'))).toEqual(['run']);
    expect(catalog.noTemplates('log')).toEqual({});
    expect(catalog.parameters('bogus')).toBeUndefined();
    expect(catalog.parameters('log')?.safeParse({ message: 'x' }).success).toBe(true);
  });

  it('does not let callers change the catalogue', () => {
    catalog.names().push('extra');
    catalog.noTemplates('shell').argv = 'x';
    expect(catalog.names()).toHaveLength(actions.size);
    expect(Object.keys(catalog.noTemplates('shell'))).toEqual(['run']);
  });

  it('has parameter schemas that convert to JSON Schema (for `cairn schema` and editors)', () => {
    for (const name of catalog.names()) {
      const schema = catalog.parameters(name);
      expect(schema).toBeDefined();
      expect(() => z.toJSONSchema(schema!)).not.toThrow();
    }
  });
});
