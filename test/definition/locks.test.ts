import { describe, expect, it } from 'vitest';
import { at, check, errors, only, parse, yaml } from './support.js';

const step = (...lines: string[]) => yaml('name: x', 'steps:', '  - id: a', '    command: log', '    parameters: {message: hi}', ...lines);

describe('locks and pools in a definition', () => {
  it('normalizes step locks, a pool and workflow locks, without duplicates', () => {
    const parsed = parse(yaml('name: x', 'locks: [db, db, "host:db-1"]', 'steps:', '  - id: a', '    command: log', '    locks: ["port:8113", "file:/var/run/x.lock", "port:8113"]', '    pool: deploys', '    parameters: {message: hi}'));
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.workflow?.locks).toEqual(['db', 'host:db-1']);
    expect(parsed.workflow?.steps[0]).toMatchObject({ locks: ['port:8113', 'file:/var/run/x.lock'], pool: 'deploys', extras: {} });
    expect(parsed.workflow?.extras).toEqual({});
  });

  it('leaves the fields out when nothing is locked', () => {
    const parsed = parse(step('    locks: []'));
    expect(parsed.workflow?.locks).toBeUndefined();
    expect(parsed.workflow?.steps[0]?.locks).toBeUndefined();
    expect(parsed.workflow?.steps[0]?.pool).toBeUndefined();
  });

  it('refuses a port lock that is not a TCP port, naming the value and its place', async () => {
    for (const bad of ['port:0', 'port:65536', 'port:http', 'port:08113']) {
      const d = only(await check(step(`    locks: ["${bad}"]`)), 'DEF_TYPE');
      expect(at(d)).toBe('6:13');
      expect(d.message).toContain(`a port lock is port:N with N a TCP port from 1 to 65535, found '${bad}'`);
    }
    expect(await check(step('    locks: ["port:1", "port:65535"]'))).toEqual([]);
  });

  it('refuses names that are not fixed lock names, and pool: names', async () => {
    const template = only(await check(step('    locks: ["port:${{ parameters.port }}"]')), 'DEF_TYPE');
    expect(template.message).toContain('no templates');
    expect(only(await check(step('    locks: ["has space"]')), 'DEF_TYPE').message).toContain('a lock is a fixed name');
    expect(only(await check(step('    locks: ["pool:deploys"]')), 'DEF_TYPE').message).toContain('take a slot with `pool: NAME`');
    expect(only(await check(step('    locks: port:8113')), 'DEF_TYPE').message).toContain('expected a list of lock names');
    expect(errors(await check(yaml('name: x', 'locks: db', 'steps:', '  - id: a', '    command: log', '    parameters: {message: hi}')))).toHaveLength(1);
  });

  it('refuses a pool name configuration could not have', async () => {
    const d = only(await check(step('    pool: "9 lives"')), 'DEF_TYPE');
    expect(d.message).toContain('a pool name is letters');
  });
});
