import { expect } from 'vitest';
import {
  decide,
  evolve,
  initialState,
  nextWakeAt,
  publicStep,
  runStatus,
  type Effect,
  type Input,
  type Run,
  type RunEvent,
  type RollbackStrategy,
  type RunState,
  type StepError,
  type StepRun,
  type StepSpec,
  type Workflow,
} from '../../src/engine/index.js';

/** A step with engine defaults, overridable per test. */
export function stepSpec(id: string, over: Partial<StepSpec> = {}): StepSpec {
  return {
    id,
    command: 'log',
    parameters: {},
    dependsOn: [],
    retry: { maxAttempts: 1, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 },
    continueOnError: false,
    triggerRule: 'all_success',
    extras: {},
    ...over,
  };
}

export function workflow(steps: StepSpec[], over: Partial<Workflow> = {}): Workflow {
  return { id: 'wf', name: 'wf', version: '1', tags: [], parameters: {}, steps, extras: {}, ...over };
}

/** Fields of the run record a test may set. */
export type RunFields = Partial<Pick<Run, 'startedBy'>>;

/** Every FakeRun made since the last check, so each test file can check sequences after each test. */
const created: FakeRun[] = [];

/** Drives the engine with a fake clock and a fixed random, recording every effect. */
export class FakeRun {
  /** Replaced by `restart`; otherwise the same object for the whole run. */
  state: RunState;
  readonly workflow: Workflow;
  /** The run record the state started from, kept so the events can be replayed onto it. */
  readonly origin: Run;
  now = 1_000_000;
  random = 0.5;
  effects: Effect[] = [];
  readonly eventTypes: string[] = [];
  /** Every event the engine emitted, in order. */
  readonly events: RunEvent[] = [];
  /** Attempts asked for by an `execute` effect and not yet answered or aborted: `key#attempt`. */
  readonly executing = new Set<string>();
  /** The most attempts executing at once so far. */
  peakExecuting = 0;

  /**
   * With `history`, the run resumes from those events, as after a crash (see `recover`).
   * `run` sets fields of the run record, e.g. `startedBy` for self-approval rules.
   */
  constructor(wf: Workflow, parameters: Record<string, unknown> = {}, history: readonly RunEvent[] = [], run: RunFields = {}) {
    this.workflow = wf;
    this.origin = { id: 'r1', workflowId: wf.id, workflowName: wf.name, definitionHash: 'h', status: 'queued', parameters, createdAt: this.now, ...run };
    this.state = replay(this.origin, wf, history);
    this.events.push(...history);
    created.push(this);
  }

  /** A new FakeRun whose state is rebuilt from this one's events only, at the same clock. */
  static recover(from: FakeRun): FakeRun {
    const run: RunFields = from.origin.startedBy !== undefined ? { startedBy: from.origin.startedBy } : {};
    const r = new FakeRun(from.workflow, from.origin.parameters, from.events, run);
    r.now = from.now;
    r.random = from.random;
    return r;
  }

  /**
   * A crash and restart in place: the in-memory state is lost and rebuilt from the events,
   * then a tick, as the runtime sends on start, re-issues what was in flight.
   */
  restart(): Effect[] {
    this.state = this.rebuild();
    return this.send({ type: 'tick' });
  }

  send(input: Input): Effect[] {
    if (input.type === 'succeeded' || input.type === 'failed' || input.type === 'interrupted') {
      this.executing.delete(`${input.step}#${input.attempt}`);
    }
    const d = decide(this.state, input, { now: this.now, random: () => this.random });
    for (const e of d.events) this.eventTypes.push(e.data && 'step' in e.data ? `${e.type}:${(e.data as { step: string }).step}` : e.type);
    this.events.push(...d.events);
    for (const e of d.effects) {
      if (e.type === 'execute') this.executing.add(`${e.step}#${e.attempt}`);
      if (e.type === 'abort') this.executing.delete(`${e.step}#${e.attempt}`);
    }
    this.peakExecuting = Math.max(this.peakExecuting, this.executing.size);
    this.effects.push(...d.effects);
    return d.effects;
  }

  start(): Effect[] {
    return this.send({ type: 'start' });
  }

  /** Keys of steps the engine asked to execute, in order, and clears the list. */
  takeExecuted(): string[] {
    return this.take('execute').map((e) => e.step);
  }

  /** Effects of one type recorded so far, removed from the list. */
  take<T extends Effect['type']>(type: T): Extract<Effect, { type: T }>[] {
    const taken = this.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
    this.effects = this.effects.filter((e) => e.type !== type);
    return taken;
  }

  /** Keys of steps the engine asked to prepare, in order, and clears the list. */
  takePrepared(): string[] {
    return this.take('prepare').map((e) => e.step);
  }

  succeed(key: string, outputs: Record<string, unknown> = {}): Effect[] {
    const st = this.state.steps.get(key);
    return this.send({ type: 'succeeded', step: key, attempt: st?.attempts ?? 1, outputs });
  }

  fail(key: string, message = 'boom', retryable = true): Effect[] {
    const st = this.state.steps.get(key);
    return this.send({ type: 'failed', step: key, attempt: st?.attempts ?? 1, error: { code: 'EXIT_CODE', message }, retryable });
  }

  /** Answer a `prepare` effect: run it (optionally with resolved parameters), skip it, fan it out or fail it. */
  prepared(key: string, answer: { skip?: string; items?: unknown[]; parameters?: Record<string, unknown>; error?: StepError } = {}): Effect[] {
    return this.send({ type: 'prepared', step: key, ...answer });
  }

  interrupt(key: string, reason = 'engine restarted'): Effect[] {
    const st = this.state.steps.get(key);
    return this.send({ type: 'interrupted', step: key, attempt: st?.attempts ?? 1, reason });
  }

  cancel(reason?: string): Effect[] {
    return this.send(reason === undefined ? { type: 'cancel' } : { type: 'cancel', reason });
  }

  /** Complete a waiting task as `by`. */
  complete(key: string, by: string, output: Record<string, unknown> = {}): Effect[] {
    return this.send({ type: 'complete', step: key, by, output });
  }

  /** Approve (or, with `approve: false`, reject) a waiting approval as `by`. */
  approve(key: string, by: string, approve = true, comment?: string): Effect[] {
    return this.send(comment === undefined ? { type: 'approve', step: key, by, approve } : { type: 'approve', step: key, by, approve, comment });
  }

  /** Ask for a rollback, as `cairn rollback RUN --strategy S [--to STEP]` does. */
  rollback(strategy: RollbackStrategy, opts: { to?: string; by?: string; reason?: string } = {}): Effect[] {
    return this.send({ type: 'rollback', strategy, ...opts });
  }

  /** The attempt of the step's compensation now on record (0 when none started). */
  compensationAttempt(key: string): number {
    return this.state.steps.get(key)?.compensation?.attempts ?? 0;
  }

  /** Answer the step's running compensation: it undid the step. */
  compensated(key: string, outputs: Record<string, unknown> = {}): Effect[] {
    return this.send({ type: 'compensated', step: key, attempt: this.compensationAttempt(key), outputs });
  }

  /** Answer the step's running compensation: it failed. */
  failCompensation(key: string, message = 'undo failed', retryable = true): Effect[] {
    return this.send({ type: 'compensation_failed', step: key, attempt: this.compensationAttempt(key), error: { code: 'EXIT_CODE', message }, retryable });
  }

  /** The process running the step's compensation died (what recovery sends after a crash). */
  interruptCompensation(key: string, reason = 'engine restarted'): Effect[] {
    return this.send({ type: 'interrupted', step: key, attempt: this.compensationAttempt(key), reason });
  }

  signal(name: string, data?: unknown, by?: string): Effect[] {
    return this.send({ type: 'signal', name, ...(data !== undefined ? { data } : {}), ...(by !== undefined ? { by } : {}) });
  }

  pause(by?: string): Effect[] {
    return this.send(by === undefined ? { type: 'pause' } : { type: 'pause', by });
  }

  unpause(by?: string): Effect[] {
    return this.send(by === undefined ? { type: 'unpause' } : { type: 'unpause', by });
  }

  advance(ms: number): Effect[] {
    this.now += ms;
    return this.send({ type: 'tick' });
  }

  /** Move the clock to an absolute time and tick. */
  tickAt(at: number): Effect[] {
    this.now = at;
    return this.send({ type: 'tick' });
  }

  wake(): number | undefined {
    return nextWakeAt(this.state);
  }

  status(key: string): string | undefined {
    return this.state.steps.get(key)?.status;
  }

  step(key: string): StepRun {
    const st = this.state.steps.get(key);
    if (!st) throw new Error(`no step run '${key}'`);
    return st;
  }

  /** Events of one type, in order. */
  eventsOf<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
  }

  /** A fresh state built only from the recorded events, as recovery does after a crash. */
  rebuild(): RunState {
    return replay(this.origin, this.workflow, this.events);
  }
}

export function replay(origin: Run, wf: Workflow, events: readonly RunEvent[]): RunState {
  const state = initialState(origin, wf);
  for (const e of events) evolve(state, e);
  return state;
}

/** The whole run and every step record as the store would hold them, steps sorted by key. */
export function fullProjection(state: RunState): { run: Run; steps: StepRun[] } {
  const steps = [...state.steps.values()].map(publicStep).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { run: { ...state.run, status: runStatus(state) }, steps };
}

/** Sequence numbers run 1, 2, 3, ... with no gap or repeat. */
export function expectContiguousSeqs(events: readonly RunEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

/** Checks every FakeRun made since the last call; use as `afterEach(expectSequencesContiguous)`. */
export function expectSequencesContiguous(): void {
  const runs = created.splice(0);
  for (const r of runs) {
    expectContiguousSeqs(r.events);
    expect(r.state.seq).toBe(r.events.length);
  }
}

/**
 * What recovery must rebuild beyond the projection: open tasks and the approvals so far,
 * kept signals, the next moment to wake, and where a rollback stands (its order, progress,
 * and each compensation's state).
 */
export function engineMemory(state: RunState): unknown {
  const tasks = [...state.steps.values()]
    .filter((st) => st.task !== undefined)
    .map((st) => ({ key: st.key, task: st.task, approvedBy: st.approvedBy }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const signalWaits = [...state.steps.values()].filter((st) => st.signal !== undefined).map((st) => [st.key, st.signal]);
  const compensations = [...state.steps.values()].filter((st) => st.compensation !== undefined).map((st) => [st.key, st.compensation]);
  return { tasks, signals: state.signals, signalWaits, wake: nextWakeAt(state), paused: state.run.paused === true, open: state.open, rollback: state.rollback, compensations };
}

/** The state rebuilt from the events alone gives the same projection and engine memory as the live one. */
export function expectReplayMatches(r: FakeRun): void {
  const rebuilt = r.rebuild();
  expect(rebuilt.seq).toBe(r.state.seq);
  expect(fullProjection(rebuilt)).toEqual(fullProjection(r.state));
  expect(engineMemory(rebuilt)).toEqual(engineMemory(r.state));
}

/**
 * Checks every FakeRun made since the last call: contiguous sequences, and a replay that
 * agrees with the live state. Use as `afterEach(expectRunsConsistent)`.
 */
export function expectRunsConsistent(): void {
  const runs = created.splice(0);
  for (const r of runs) {
    expectContiguousSeqs(r.events);
    expect(r.state.seq).toBe(r.events.length);
    expectReplayMatches(r);
  }
}
