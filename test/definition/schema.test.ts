import { describe, expect, it } from 'vitest';
import { at, errors, only, parse, yaml } from './support.js';

const base = (...stepLines: string[]) => yaml('name: x', 'steps:', '  - id: a', '    command: log', ...stepLines);

describe('shape errors', () => {
  it('wrong types name the field, what was expected and what was found, at the value', () => {
    const d = only(parse(base('    timeout_seconds: soon')).diagnostics, 'DEF_TYPE');
    expect(at(d)).toBe('5:22');
    expect(d.message).toBe("steps[0].timeout_seconds: expected a number of seconds, found 'soon' (a string)");
    expect(d.path).toEqual(['steps', 0, 'timeout_seconds']);
  });

  it('missing steps and missing step ids', () => {
    const none = only(parse('name: x\n').diagnostics, 'DEF_REQUIRED');
    expect(none.message).toBe('steps: expected a list of steps');
    expect(at(none)).toBe('1:1');
    const noId = only(parse(yaml('name: x', 'steps:', '  - command: log')).diagnostics, 'DEF_REQUIRED');
    expect(noId.message).toBe('steps[0].id: every step needs an `id`');
    expect(at(noId)).toBe('3:5');
    expect(only(parse('name: x\nsteps: []\n').diagnostics, 'DEF_TYPE').message).toBe('steps: a workflow needs at least one step');
  });

  it('a workflow needs a name or an id; id and workflow_id must agree', () => {
    expect(only(parse('steps: [{id: a}]\n').diagnostics, 'DEF_REQUIRED').message).toBe('a workflow needs a `name` or an `id`');
    expect(only(parse('id: a\nworkflow_id: b\nsteps: [{id: a}]\n').diagnostics, 'DEF_TYPE').message).toContain('disagree');
  });

  it('enums list the allowed values and guess the intended one', () => {
    const d = only(parse(base('    trigger_rule: all_sucess')).diagnostics, 'DEF_TYPE');
    expect(at(d)).toBe('5:19');
    expect(d.message).toBe('steps[0].trigger_rule: expected one of "all_success", "none_failed", "all_done", found \'all_sucess\' (a string). Did you mean \'all_success\'?');
  });

  it('durations accept seconds or 500ms/2s/1m/1h, nothing else', () => {
    const ok = parse(base('    retry: {max_attempts: 3, initial_delay: 500ms, max_delay: 1m}'));
    expect(errors(ok.diagnostics)).toEqual([]);
    const d = only(parse(base('    retry: {max_attempts: 3, initial_delay: 2 days}')).diagnostics, 'DEF_TYPE');
    expect(at(d)).toBe('5:45');
    expect(d.message).toContain('expected a duration: seconds as a number, or a string such as "500ms"');
  });

  it('unknown keys inside retry are errors with a suggestion', () => {
    const d = only(parse(base('    retry:', '      max_attempt: 3')).diagnostics, 'DEF_UNKNOWN_KEY');
    expect(at(d)).toBe('6:7');
    expect(d.message).toBe("steps[0].retry.max_attempt: unknown key 'max_attempt'. Did you mean 'max_attempts'?");
  });

  it('parameter declarations: bad type names, unknown fields, bad names', () => {
    const bad = only(parse(yaml('name: x', 'parameters:', '  env:', '    type: str', 'steps: [{id: a}]')).diagnostics, 'DEF_TYPE');
    expect(at(bad)).toBe('4:11');
    expect(bad.message).toContain('expected one of "string", "number", "integer", "boolean", "array", "object"');
    const unknown = only(parse(yaml('name: x', 'parameters:', '  env:', '    defualt: prod', 'steps: [{id: a}]')).diagnostics, 'DEF_UNKNOWN_KEY');
    expect(at(unknown)).toBe('4:5');
    expect(unknown.message).toContain("Did you mean 'default'?");
    const name = only(parse(yaml('name: x', 'parameters:', '  "my param": 1', 'steps: [{id: a}]')).diagnostics, 'DEF_TYPE');
    expect(name.message).toContain('a parameter name is letters, digits, _ and -');
  });

  it('step ids are restricted to what expressions can name', () => {
    const d = only(parse(yaml('name: x', 'steps:', '  - id: "deploy prod"')).diagnostics, 'DEF_TYPE');
    expect(at(d)).toBe('3:9');
    expect(d.message).toContain('a step id is letters, digits, _ and -');
  });
});

describe('unknown keys', () => {
  it('a near miss of a known key is an error at the key, with the fix', () => {
    const d = only(parse(base('    depend_on: [b]')).diagnostics, 'DEF_UNKNOWN_KEY');
    expect(at(d)).toBe('5:5');
    expect(d.severity).toBe('error');
    expect(d.message).toBe("unknown key 'depend_on' in step 'a'. Did you mean 'depends_on'?");
    expect(d.fix).toBe("rename 'depend_on' to 'depends_on'");
  });

  it.each([
    ['dependsOn', 'depends_on'],
    ['needs', 'depends_on'],
    ['timeout', 'timeout_seconds'],
    ['when', 'if'],
    ['for-each', 'for_each'],
    ['comand', 'command'],
    ['retries', 'retry'],
  ])('%s means %s', (key, meant) => {
    const d = only(parse(base(`    ${key}: 1`)).diagnostics, 'DEF_UNKNOWN_KEY');
    expect(d.message).toContain(`Did you mean '${meant}'?`);
  });

  it('a far-off key is kept as metadata with a warning, at top level and in steps', () => {
    const parsed = parse(yaml('name: x', 'owner: ops-team', 'steps:', '  - id: a', '    enforcement: code-review'));
    expect(parsed.diagnostics.map((d) => `${at(d)} ${d.severity} ${d.code} ${d.message}`)).toEqual([
      "2:1 warning DEF_EXTRA_KEY unknown key 'owner' in the workflow: kept as metadata (Cairn does not act on it)",
      "5:5 warning DEF_EXTRA_KEY unknown key 'enforcement' in step 'a': kept as metadata (Cairn does not act on it)",
    ]);
    expect(parsed.workflow!.extras).toEqual({ owner: 'ops-team' });
    expect(parsed.workflow!.steps[0]!.extras).toEqual({ enforcement: 'code-review' });
  });

  it('keys of later releases are accepted silently and kept', () => {
    const parsed = parse(
      yaml(
        'name: x',
        'phases: [build]',
        'triggers: [{cron: "0 * * * *"}]',
        'approval_required: true',
        'rollback_enabled: false',
        'concurrency: 1',
        'locks: [db]',
        'on_failure: rollback',
        'estimated_duration: 60',
        'steps:',
        '  - id: a',
        '    rollback: {command: log}',
        '    locks: ["port:8113"]',
        '    runs_on: [linux]',
        '    phase: build',
        '    checkpoint: true',
      ),
    );
    expect(parsed.diagnostics).toEqual([]);
    expect(Object.keys(parsed.workflow!.extras)).toEqual(['concurrency', 'estimated_duration']);
    expect(parsed.workflow!.triggers).toEqual([{ kind: 'cron', cron: '0 * * * *', parameters: {} }]);
    expect(parsed.workflow!.steps[0]!.extras).toEqual({});
    // runs_on is a field now (docs/cluster.md).
    expect(parsed.workflow!.steps[0]!.runsOn).toEqual(['linux']);
    // Locks are fields now (docs/locks.md).
    expect(parsed.workflow!.locks).toEqual(['db']);
    expect(parsed.workflow!.steps[0]!.locks).toEqual(['port:8113']);
    // on_failure: rollback turns rollback on; a step's rollback and checkpoint are fields now.
    expect(parsed.workflow!.rollbackEnabled).toBe(true);
    expect(parsed.workflow!.steps[0]!.rollback).toMatchObject({ command: 'log', parameters: {} });
    expect(parsed.workflow!.steps[0]!.checkpoint).toBe(true);
    // Phases and approval_required have meaning now: they shape the graph.
    expect(parsed.workflow!.phases).toEqual(['build']);
    expect(parsed.workflow!.steps[0]!.phase).toBe('build');
    expect(parsed.workflow!.steps.map((s) => s.id)).toEqual(['a', 'approve']);
  });
});
