import type { Run, RunEvent } from '../../engine/types.js';
import { StoreError, type Claim, type CommitBatch } from '../store.js';
import { runParams, stepParams } from './rows.js';
import type { Statements } from './statements.js';

/*
 * The write path of the event log. Both functions run inside a transaction opened by the
 * caller; a throw (a duplicate seq is a bug) rolls back everything the transaction wrote.
 * Per batch: one read of the run's head (lease, step positions), the rows, one update.
 */

export function insertRun(
  s: Statements,
  run: Run,
  events: RunEvent[],
  claim: { ownerId: string; leaseMs: number } | undefined,
  now: number,
  startKey?: string,
): Claim | undefined {
  if (startKey !== undefined) {
    const taken = s.startKeyTaken.get(startKey);
    if (taken !== undefined) throw new StoreError(`run ${taken} was already started with key '${startKey}'`, 'STORE_DUPLICATE');
  }
  const lease = claim === undefined ? [null, 0, null] : [claim.ownerId, 1, now + claim.leaseMs];
  s.insertRun.run(...runParams(run), ...lease);
  if (startKey !== undefined) s.setStartKey.run(startKey, run.id);
  s.advanceRun.run(insertEvents(s, run.id, events), 0, run.id);
  return claim === undefined ? undefined : { runId: run.id, token: 1 };
}

/** Writes every batch whose lease still holds; returns the run ids of the refused ones. */
export function writeBatches(s: Statements, batches: CommitBatch[]): string[] {
  const refused: string[] = [];
  for (const batch of batches) {
    const { runId, lease } = batch;
    const head = s.runHead.get(runId);
    if (lease !== undefined && (head?.owner_id !== lease.ownerId || head.lease_token !== lease.token)) {
      refused.push(runId);
      continue;
    }
    if (head === undefined && batch.run === undefined) throw new Error(`commit to run ${runId}, which does not exist`);
    // The run first: a projection may be what creates the row the events belong to.
    if (batch.run !== undefined) s.upsertRun.run(...runParams(batch.run));
    const lastSeq = insertEvents(s, runId, batch.events);
    // New steps take the next positions; an update keeps its row's position.
    let ord = head?.step_ord ?? 0;
    for (const step of batch.steps) s.upsertStep.run(...stepParams(runId, step, ++ord));
    s.advanceRun.run(lastSeq, batch.steps.length, runId);
  }
  return refused;
}

/** Returns the highest seq written (0 for none). */
function insertEvents(s: Statements, runId: string, events: RunEvent[]): number {
  let lastSeq = 0;
  for (const e of events) {
    if (e.runId !== runId) throw new Error(`event ${e.type} #${e.seq} of run ${e.runId} was committed with run ${runId}`);
    s.insertEvent.run(runId, e.seq, e.type, e.at, JSON.stringify(e.data));
    s.insertFeed.run(runId, e.seq);
    if (e.seq > lastSeq) lastSeq = e.seq;
  }
  return lastSeq;
}
