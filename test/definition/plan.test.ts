import { describe, expect, it } from 'vitest';
import { formatPlan, planWorkflow } from '../../src/definition/index.js';
import { parse, yaml } from './support.js';

const diamond = yaml(
  'name: Deploy',
  'max_parallel: 2',
  'parameters: {hosts: {type: array, default: [a, b]}, go: {type: boolean, default: true}}',
  'steps:',
  '  - {id: fetch, command: http, parameters: {url: "http://127.0.0.1"}}',
  '  - {id: lint, command: shell, parameters: {argv: [true]}}',
  '  - id: build',
  '    command: shell',
  '    depends_on: [fetch, lint]',
  '    if: parameters.go and steps.fetch.outputs.status = 200',
  '    retry: 3',
  '    timeout_seconds: 30',
  '    parameters: {argv: [make]}',
  '  - id: deploy',
  '    command: shell',
  '    depends_on: build',
  '    for_each: parameters.hosts',
  '    max_parallel: 1',
  '    trigger_rule: none_failed',
  '    parameters: {argv: [deploy, "${{ item }}"]}',
  '  - {id: notify, command: log, depends_on: [lint], for_each: [1, 2, 3], parameters: {message: done}}',
);

describe('planWorkflow', () => {
  it('orders steps and groups the ones that can run together', () => {
    const plan = planWorkflow(parse(diamond).workflow!);
    expect(plan.groups).toEqual([['fetch', 'lint'], ['build', 'notify'], ['deploy']]);
    expect(plan.order).toEqual(['fetch', 'lint', 'build', 'notify', 'deploy']);
    expect(plan.maxParallel).toBe(2);
    const build = plan.steps.find((s) => s.id === 'build')!;
    expect(build).toMatchObject({ group: 1, maxAttempts: 3, timeoutSeconds: 30, dependsOn: ['fetch', 'lint'] });
    expect(build.condition).toEqual({ expression: 'parameters.go and steps.fetch.outputs.status = 200', parameters: ['go'], steps: ['fetch'] });
    expect(plan.steps.find((s) => s.id === 'deploy')!.forEach).toEqual({ expression: 'parameters.hosts', parameters: ['hosts'], steps: [], maxParallel: 1 });
    expect(plan.steps.find((s) => s.id === 'notify')!.forEach).toEqual({ items: 3 });
  });

  it('renders a readable dry run with a picture of the groups', () => {
    const text = formatPlan(planWorkflow(parse(diamond).workflow!));
    expect(text).toBe(
      [
        "Plan for 'Deploy' (id deploy, version 1): 5 steps in 3 groups, max_parallel 2",
        '',
        '  [fetch] [lint]',
        '    |',
        '    v',
        '  [build] [notify]',
        '    |',
        '    v',
        '  [deploy]',
        '',
        'Group 1 (2 steps may run at once)',
        '    fetch   http',
        '    lint    shell',
        'Group 2 (2 steps may run at once)',
        '    build   shell  after fetch, lint',
        '            if parameters.go and steps.fetch.outputs.status = 200  (depends on parameters.go, steps.fetch)',
        '            up to 3 attempts, timeout 30 s',
        '    notify  log  after lint',
        '            for each item of a list of 3 items',
        'Group 3',
        '    deploy  shell  after build',
        '            for each item of parameters.hosts  (depends on parameters.hosts), 1 at a time',
        '            starts when none_failed',
        '',
        'Order: fetch, lint, build, notify, deploy',
      ].join('\n'),
    );
  });

  it('handles long chains without recursion limits', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => `  - {id: s${i}${i ? `, depends_on: s${i - 1}` : ''}}`);
    const plan = planWorkflow(parse(yaml('name: chain', 'steps:', ...steps)).workflow!);
    expect(plan.groups).toHaveLength(5000);
    expect(plan.order[4999]).toBe('s4999');
  });

  it('refuses a cyclic workflow', () => {
    const wf = parse(yaml('name: x', 'steps:', '  - {id: a, depends_on: b}', '  - {id: b, depends_on: a}')).workflow!;
    expect(() => planWorkflow(wf)).toThrow("cannot plan 'x': dependency cycle a -> b -> a");
  });
});
