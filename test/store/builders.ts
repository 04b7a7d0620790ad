import type { Run, RunEventMap, RunEventOf, RunEventType, StepRun } from '../../src/engine/types.js';
import type { StoredDefinition } from '../../src/store/store.js';

/** Small builders for domain values, shared by the store tests. */

export function makeRun(id: string, over: Partial<Run> = {}): Run {
  return {
    id,
    workflowId: 'hello',
    workflowName: 'Hello',
    definitionHash: 'hash-1',
    status: 'queued',
    parameters: { who: 'world', count: 3, nested: { list: [1, 'two', null] } },
    createdAt: 1_000,
    ...over,
  };
}

export function event<K extends RunEventType>(
  runId: string,
  seq: number,
  type: K,
  data: RunEventMap[K],
  at = 10_000 + seq,
): RunEventOf<K> {
  return { type, runId, seq, at, data } as RunEventOf<K>;
}

export function createdEvent(run: Run): RunEventOf<'RunCreated'> {
  return event(run.id, 1, 'RunCreated', {
    workflowId: run.workflowId,
    workflowName: run.workflowName,
    definitionHash: run.definitionHash,
    parameters: run.parameters,
  });
}

/** Events seq from..from+n-1 of a step starting: cheap filler for volume tests. */
export function startedEvents(runId: string, from: number, n: number): RunEventOf<'StepStarted'>[] {
  return Array.from({ length: n }, (_, i) =>
    event(runId, from + i, 'StepStarted', { step: `s${from + i}`, attempt: 1, idempotencyKey: `${runId}:s${from + i}:1` }),
  );
}

export function makeStep(key: string, over: Partial<StepRun> = {}): StepRun {
  return { key, stepId: key.replace(/\[\d+\]$/, ''), status: 'pending', attempts: 0, ...over };
}

export function makeDefinition(hash: string, over: Partial<StoredDefinition> = {}): StoredDefinition {
  return {
    hash,
    workflowId: 'hello',
    version: '1.0.0',
    source: 'name: hello\nsteps:\n  - id: a\n    command: log\n',
    format: 'yaml',
    createdAt: 500,
    ...over,
  };
}

/** Waits (without asserting any duration) until the wall clock is past `t`. */
export async function waitUntilPast(t: number): Promise<void> {
  while (Date.now() <= t) await new Promise((resolve) => setTimeout(resolve, 2));
}
