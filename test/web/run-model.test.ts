import { describe, expect, it } from 'vitest';
import { layout, NODE_WIDTH } from '../../web/src/run/layout';
import { attemptsOf, combinedStatus, graphSteps } from '../../web/src/run/model';
import type { RunDetail, RunEvent, StepRun } from '../../web/src/types';

const step = (key: string, status: StepRun['status'], extra: Partial<StepRun> = {}): StepRun => ({ key, stepId: key.replace(/\[\d+\]$/, ''), status, attempts: 1, ...extra });

describe('the run as a graph', () => {
  it("joins the definition's steps with their state; a for_each step shows its instances' most telling status", () => {
    const detail: RunDetail = {
      run: { id: 'r', workflowId: 'w', workflowName: 'w', definitionHash: 'h', status: 'running', parameters: {}, createdAt: 0 },
      steps: [step('a', 'succeeded'), step('b[0]', 'succeeded'), step('b[1]', 'failed', { attempts: 3 })],
      groups: [],
      plan: {
        steps: [
          { id: 'a', command: 'shell', dependsOn: [], parameters: {}, phase: 'one' },
          { id: 'b', command: 'shell', dependsOn: ['a'], parameters: {} },
          { id: 'c', command: 'log', dependsOn: ['b'], parameters: {} },
        ],
      },
    };
    const steps = graphSteps(detail);
    expect(steps.map((s) => [s.id, s.status, s.instances.length, s.attempts])).toEqual([
      ['a', 'succeeded', 1, 1],
      ['b', 'failed', 2, 4],
      ['c', 'pending', 0, 0],
    ]);
    expect(steps[0]!.phase).toBe('one');
    expect(combinedStatus([step('x[0]', 'skipped'), step('x[1]', 'skipped')])).toBe('skipped');
    expect(combinedStatus([step('x[0]', 'succeeded'), step('x[1]', 'running')])).toBe('running');
  });

  it('draws dependencies left to right and puts each phase in a box around its steps', () => {
    const steps = graphSteps({
      run: { id: 'r', workflowId: 'w', workflowName: 'w', definitionHash: 'h', status: 'running', parameters: {}, createdAt: 0 },
      steps: [],
      groups: [],
      plan: {
        steps: [
          { id: 'a', command: 'shell', dependsOn: [], parameters: {}, phase: 'build' },
          { id: 'b', command: 'shell', dependsOn: ['a'], parameters: {}, phase: 'build' },
          { id: 'c', command: 'shell', dependsOn: ['b'], parameters: {}, phase: 'ship' },
        ],
      },
    });
    const { nodes, phases } = layout(steps);
    const x = Object.fromEntries(nodes.map((n) => [n.id, n.x]));
    expect(x['a']!).toBeLessThan(x['b']!);
    expect(x['b']!).toBeLessThan(x['c']!);
    const build = phases.find((p) => p.phase === 'build')!;
    for (const id of ['a', 'b']) {
      const n = nodes.find((m) => m.id === id)!;
      expect(n.x).toBeGreaterThan(build.x);
      expect(n.x + NODE_WIDTH).toBeLessThan(build.x + build.width);
    }
    expect(phases.map((p) => p.phase).sort()).toEqual(['build', 'ship']);
  });

  it('lays out a 500-step run with every step placed apart', () => {
    const plan = Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, command: 'log', dependsOn: i === 0 ? [] : [`s${Math.floor((i - 1) / 3)}`], parameters: {} }));
    const steps = graphSteps({ run: { id: 'r', workflowId: 'w', workflowName: 'w', definitionHash: 'h', status: 'running', parameters: {}, createdAt: 0 }, steps: [], groups: [], plan: { steps: plan } });
    const { nodes } = layout(steps);
    expect(nodes).toHaveLength(500);
    expect(new Set(nodes.map((n) => `${Math.round(n.x)},${Math.round(n.y)}`)).size).toBe(500);
  });
});

describe('attempts from events (the Gantt)', () => {
  it('pairs each start with its end, keeps retries apart, and leaves a running one open', () => {
    const ev = (seq: number, type: string, data: Record<string, unknown>, at = seq * 100): RunEvent => ({ runId: 'r', seq, type, at, data });
    const attempts = attemptsOf([
      ev(1, 'RunStarted', {}),
      ev(2, 'StepStarted', { step: 'a', attempt: 1 }),
      ev(3, 'StepFailed', { step: 'a', attempt: 1, error: { message: 'boom', code: 'EXIT_CODE' }, willRetry: true }),
      ev(4, 'StepStarted', { step: 'a', attempt: 2 }),
      ev(5, 'StepSucceeded', { step: 'a', attempt: 2, outputs: {} }),
      ev(6, 'StepStarted', { step: 'b', attempt: 1 }),
      ev(7, 'CompensationStarted', { step: 'a', attempt: 1 }),
      ev(8, 'StepCompensated', { step: 'a', attempt: 1, outputs: {} }),
    ]);
    expect(attempts).toEqual([
      { step: 'a', attempt: 1, start: 200, end: 300, outcome: 'failed', error: 'boom' },
      { step: 'a', attempt: 2, start: 400, end: 500, outcome: 'succeeded' },
      { step: 'b', attempt: 1, start: 600, outcome: 'running' },
      { step: 'a', attempt: 1, start: 700, end: 800, outcome: 'compensated', compensation: true },
    ]);
  });
});
