import { afterEach, describe, expect, it } from 'vitest';
import { isTerminalStep, type Effect, type StepSpec, type TriggerRule, type Workflow } from '../../src/engine/index.js';
import { FakeRun, expectContiguousSeqs, expectSequencesContiguous, fullProjection, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

/** mulberry32: a tiny seeded PRNG, so a failing seed replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  fanOut: boolean;
}

function randomWorkflow(rand: () => number, shape: Shape): Workflow {
  const n = 1 + Math.floor(rand() * 40);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const steps: StepSpec[] = [];
  for (let i = 0; i < n; i++) {
    const dependsOn: string[] = [];
    for (let j = 0; j < i; j++) if (rand() < Math.min(0.5, 2 / i)) dependsOn.push(`s${j}`);
    const over: Partial<StepSpec> = { dependsOn };
    if (rand() < 0.2) over.if = 'parameters.go';
    if (rand() < 0.3) {
      over.retry = { maxAttempts: 1 + Math.floor(rand() * 3), backoff: pick(['fixed', 'exponential'] as const), initialDelayMs: 500, maxDelayMs: 2000, jitter: rand() < 0.5 ? 0 : 0.3 };
    }
    if (rand() < 0.15) over.timeoutSeconds = 1 + Math.floor(rand() * 5);
    if (rand() < 0.1) over.continueOnError = true;
    if (rand() < 0.2) over.triggerRule = pick<TriggerRule>(['none_failed', 'all_done']);
    if (rand() < 0.07) {
      over.command = 'wait';
      over.parameters = { seconds: Math.floor(rand() * 4) };
    } else if (shape.fanOut && rand() < 0.15) {
      over.forEach = '${{ parameters.list }}';
      if (rand() < 0.5) over.maxParallel = 1 + Math.floor(rand() * 3);
    }
    steps.push(stepSpec(`s${i}`, over));
  }
  const wf: Partial<Workflow> = {};
  if (rand() < 0.6) wf.maxParallel = 1 + Math.floor(rand() * 5);
  if (rand() < 0.2) wf.outputs = { out: '${{ 1 }}' };
  if (rand() < 0.1) wf.timeoutSeconds = 5 + Math.floor(rand() * 60);
  return workflow(steps, wf);
}

type Outstanding = Extract<Effect, { type: 'execute' | 'prepare' | 'finalize' }>;

/**
 * Plays the runtime: answers outstanding effects in random order with random results,
 * moves the clock, sometimes cancels, and delivers late results from aborted attempts.
 * Checks the parallelism bounds after every input.
 */
function simulate(seed: number, shape: Shape): { r: FakeRun; wf: Workflow } {
  const rand = prng(seed);
  const wf = randomWorkflow(rand, shape);
  const r = new FakeRun(wf, { go: true });
  r.random = rand();
  const outstanding: Outstanding[] = [];
  const zombies: Extract<Effect, { type: 'abort' }>[] = [];
  const limit = wf.maxParallel ?? Infinity;

  const send = (effects: Effect[]): void => {
    r.effects = [];
    for (const e of effects) {
      if (e.type === 'abort') {
        const i = outstanding.findIndex((o) => o.type === 'execute' && o.step === e.step && o.attempt === e.attempt);
        if (i >= 0) outstanding.splice(i, 1);
        if (rand() < 0.5) zombies.push(e);
      } else if (e.type !== 'compensate') {
        // No step here has a rollback, so no compensation is ever asked for.
        outstanding.push(e);
      }
    }
    const slots = outstanding.filter((o) => o.type !== 'finalize').length;
    expect(r.executing.size, `seed ${seed}: executing`).toBeLessThanOrEqual(limit);
    expect(slots, `seed ${seed}: executing or preparing`).toBeLessThanOrEqual(limit);
    const perParent = new Map<string, number>();
    for (const o of outstanding) if (o.type !== 'finalize' && o.step !== o.stepId) perParent.set(o.stepId, (perParent.get(o.stepId) ?? 0) + 1);
    for (const [id, count] of perParent) {
      expect(count, `seed ${seed}: instances of ${id}`).toBeLessThanOrEqual(wf.steps.find((s) => s.id === id)?.maxParallel ?? Infinity);
    }
  };

  send(r.start());
  for (let i = 0; i < 20_000 && !isDone(r); i++) {
    const roll = rand();
    if (roll < 0.005) {
      send(r.cancel('random cancel'));
    } else if (roll < 0.03 && zombies.length > 0) {
      const z = zombies.splice(Math.floor(rand() * zombies.length), 1)[0] as Extract<Effect, { type: 'abort' }>;
      const before = r.events.length;
      send(r.send({ type: 'succeeded', step: z.step, attempt: z.attempt, outputs: { zombie: true } }));
      expect(r.events.length, `seed ${seed}: a late result from an aborted attempt changed the run`).toBe(before);
    } else if (roll < 0.15 || outstanding.length === 0) {
      const wake = r.wake();
      if (outstanding.length === 0 && wake === undefined) throw new Error(`seed ${seed}: stuck with nothing outstanding and nothing to wake for\n${describeRun(r)}`);
      r.now = wake !== undefined && (outstanding.length === 0 || rand() < 0.5) ? Math.max(r.now, wake) : r.now + Math.floor(rand() * 1500);
      send(r.send({ type: 'tick' }));
    } else {
      const o = outstanding.splice(Math.floor(rand() * outstanding.length), 1)[0] as Outstanding;
      send(answer(r, o, wf, rand));
    }
  }
  if (!isDone(r)) throw new Error(`seed ${seed}: did not finish\n${describeRun(r)}`);
  return { r, wf };
}

function answer(r: FakeRun, o: Outstanding, wf: Workflow, rand: () => number): Effect[] {
  if (o.type === 'finalize') return r.send({ type: 'finalized', outputs: { out: 1 } });
  if (o.type === 'prepare') {
    const spec = wf.steps.find((s) => s.id === o.stepId) as StepSpec;
    const x = rand();
    if (x < 0.04) return r.prepared(o.step, { error: { code: 'EXPRESSION', message: 'bad' } });
    if (x < 0.2) return r.prepared(o.step, { skip: 'condition false' });
    if (spec.forEach !== undefined && o.step === o.stepId) {
      return r.prepared(o.step, { items: Array.from({ length: Math.floor(rand() * 5) }, (_, i) => i) });
    }
    return r.prepared(o.step, { parameters: spec.parameters });
  }
  const x = rand();
  if (x < 0.6) return r.send({ type: 'succeeded', step: o.step, attempt: o.attempt, outputs: { n: o.attempt } });
  if (x < 0.85) return r.send({ type: 'failed', step: o.step, attempt: o.attempt, error: { code: 'EXIT_CODE', message: 'no' } });
  if (x < 0.9) return r.send({ type: 'failed', step: o.step, attempt: o.attempt, error: { code: 'EXIT_CODE', message: 'no' }, retryable: false });
  return r.send({ type: 'interrupted', step: o.step, attempt: o.attempt, reason: 'crash' });
}

function isDone(r: FakeRun): boolean {
  const s = r.state.run.status;
  return s === 'succeeded' || s === 'failed' || s === 'cancelled';
}

function describeRun(r: FakeRun): string {
  return [...r.state.steps.values()].map((s) => `${s.key}:${s.status}#${s.attempts}`).join(' ');
}

function checkFinished(seed: number, r: FakeRun): void {
  for (const st of r.state.steps.values()) expect(isTerminalStep(st), `seed ${seed}: ${st.key} is ${st.status}`).toBe(true);
  expectContiguousSeqs(r.events);
  expect(r.eventsOf('RunFinished'), `seed ${seed}`).toHaveLength(1);
  expect(r.events.at(-1)?.type).toBe('RunFinished');
  expect(r.wake()).toBeUndefined();
  expect(fullProjection(r.rebuild()), `seed ${seed}: replay`).toEqual(fullProjection(r.state));
  const failed = [...r.state.steps.values()].some((s) => s.parent === undefined && ((s.status === 'failed' && !s.continued) || s.status === 'cancelled'));
  if (r.state.run.status === 'succeeded') expect(failed, `seed ${seed}: succeeded with a failed step`).toBe(false);
}

describe('random DAGs', () => {
  it('always terminate with every step terminal, contiguous seqs and the parallelism bound held', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const { r } = simulate(seed, { fanOut: false });
      checkFinished(seed, r);
    }
  });

  it('with fan-outs, too', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const { r } = simulate(seed, { fanOut: true });
      checkFinished(seed, r);
    }
  });

  it('start each step only after its dependencies finished, and each attempt at most once', () => {
    for (let seed = 1000; seed < 1100; seed++) {
      const { r, wf } = simulate(seed, { fanOut: false });
      const finishedAt = new Map<string, number>();
      const started = new Set<string>();
      for (const e of r.events) {
        if (e.type === 'StepStarted') {
          const spec = wf.steps.find((s) => s.id === e.data.step);
          for (const dep of spec?.dependsOn ?? []) expect(finishedAt.has(dep), `seed ${seed}: ${e.data.step} before ${dep}`).toBe(true);
          const id = `${e.data.step}#${e.data.attempt}`;
          expect(started.has(id), `seed ${seed}: ${id} twice`).toBe(false);
          started.add(id);
        }
        if (e.type === 'StepSucceeded' || e.type === 'StepSkipped' || e.type === 'StepCancelled' || (e.type === 'StepFailed' && !e.data.willRetry)) {
          finishedAt.set(e.data.step, e.seq);
        }
      }
    }
  });
});
