import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, slug } from '../../src/definition/index.js';
import { errors, parse, yaml } from './support.js';

function workflowOf(text: string) {
  const parsed = parse(text);
  expect(errors(parsed.diagnostics)).toEqual([]);
  return parsed.workflow!;
}

describe('normalization into the engine Workflow', () => {
  it('applies the documented defaults', () => {
    const wf = workflowOf(yaml('name: Nightly Backup!', 'steps:', '  - id: a'));
    expect(wf).toEqual({
      id: 'nightly-backup',
      name: 'Nightly Backup!',
      version: '1',
      tags: [],
      parameters: {},
      extras: {},
      steps: [
        {
          id: 'a',
          command: 'task',
          parameters: {},
          dependsOn: [],
          retry: DEFAULT_RETRY,
          continueOnError: false,
          triggerRule: 'all_success',
          extras: {},
        },
      ],
    });
    expect(DEFAULT_RETRY).toEqual({ maxAttempts: 1, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.2 });
  });

  it('maps every step field to camelCase', () => {
    const wf = workflowOf(
      yaml(
        'id: deploy',
        'name: Deploy',
        'version: 1.10',
        'description: d',
        'category: ops',
        'tags: [a, b]',
        'timeout_seconds: 600',
        'max_parallel: 4',
        'outputs: {url: "${{ steps.b.outputs.url }}"}',
        'steps:',
        '  - id: a',
        '    command: log',
        '    parameters: {message: hi}',
        '  - id: b',
        '    command: shell',
        '    description: build it',
        '    depends_on: a',
        '    if: ${{ parameters.go }}',
        '    for_each: parameters.hosts',
        '    max_parallel: 2',
        '    retry: {max_attempts: 4, backoff: fixed, initial_delay: 500ms, max_delay: 2s, jitter: 0}',
        '    timeout_seconds: 30',
        '    continue_on_error: true',
        '    trigger_rule: none_failed',
        '    outputs: {url: "${{ result.stdout }}"}',
      ),
    );
    expect(wf.version).toBe('1.10');
    expect(wf.timeoutSeconds).toBe(600);
    expect(wf.maxParallel).toBe(4);
    expect(wf.outputs).toEqual({ url: '${{ steps.b.outputs.url }}' });
    expect(wf.steps[1]).toEqual({
      id: 'b',
      command: 'shell',
      description: 'build it',
      parameters: {},
      dependsOn: ['a'],
      if: 'parameters.go',
      forEach: 'parameters.hosts',
      maxParallel: 2,
      retry: { maxAttempts: 4, backoff: 'fixed', initialDelayMs: 500, maxDelayMs: 2000, jitter: 0 },
      retryDeclared: true,
      timeoutSeconds: 30,
      continueOnError: true,
      triggerRule: 'none_failed',
      outputs: { url: '${{ result.stdout }}' },
      extras: {},
    });
  });

  it('accepts shorthands: retry as a count, if as a boolean, for_each as a list, parameter as its default', () => {
    const wf = workflowOf(
      yaml('name: x', 'parameters:', '  env: prod', '  count: 3', '  dry: false', '  region: {}', 'steps:', '  - id: a', '    retry: 3', '    if: false', '    for_each: [1, "${{ parameters.env }}"]'),
    );
    expect(wf.parameters).toEqual({
      env: { type: 'string', default: 'prod', required: false },
      count: { type: 'number', default: 3, required: false },
      dry: { type: 'boolean', default: false, required: false },
      region: { type: 'string', required: true },
    });
    expect(wf.steps[0]!.retry).toEqual({ ...DEFAULT_RETRY, maxAttempts: 3 });
    expect(wf.steps[0]!.if).toBe('false');
    expect(wf.steps[0]!.forEach).toEqual([1, '${{ parameters.env }}']);
  });

  it('infers parameter types and requiredness', () => {
    const wf = workflowOf(
      yaml('name: x', 'parameters:', '  a: {default: [1]}', '  b: {type: integer, description: how many}', '  c: {type: string, required: false}', '  d: {enum: [x, y], default: x}', 'steps: [{id: s}]'),
    );
    expect(wf.parameters).toEqual({
      a: { type: 'array', default: [1], required: false },
      b: { type: 'integer', required: true, description: 'how many' },
      c: { type: 'string', required: false },
      d: { type: 'string', default: 'x', enum: ['x', 'y'], required: false },
    });
  });

  it('takes workflow_id as the id and keeps the exact version text', () => {
    expect(workflowOf('workflow_id: w-1\nversion: 2\nsteps: [{id: a}]\n')).toMatchObject({ id: 'w-1', name: 'w-1', version: '2' });
    expect(workflowOf('{"name": "j", "version": 1.0, "steps": [{"id": "a"}]}').version).toBe('1.0');
  });

  it('slugs names into ids', () => {
    expect(slug('Database Maintenance')).toBe('database-maintenance');
    expect(slug('  Überprüfung: Täglich  ')).toBe('uberprufung-taglich');
    expect(slug('!!!')).toBe('workflow');
  });
});
