import { ActionFailure } from '../actions/action.js';
import { abortedFailure } from '../actions/aborted.js';
import type { StepSpec, Workflow } from '../engine/types.js';
import { mergeClaims } from '../store/lock-admission.js';
import type { LockClaim, LockHolderKey, LockOutcome, Store } from '../store/store.js';
import { isOwnerDead } from './owner.js';
import { probePort } from './port-probe.js';

export interface LockQueueOptions {
  store: Store;
  ownerId: string;
  /** An owner silent for longer than this is gone, and so are its locks. */
  leaseMs: number;
  /** Configured pools by name (cairn.yaml `pools:`). */
  pools: Readonly<Record<string, { slots: number }>>;
  onError(err: unknown): void;
}

export interface HoldRequest extends LockHolderKey {
  /** Aborted on cancel, timeout or shutdown: stops the wait. */
  signal: AbortSignal;
  /** A line in the step's log (`system` stream). */
  log(line: string): void;
}

/** Gives back what a step held. Safe to call more than once. */
export type Release = () => Promise<void>;

/** Waiters look again this often (randomised in the range so they do not poll in step). */
const POLL_MS: readonly [number, number] = [100, 200];

/**
 * Locks and pool slots for step attempts (docs/locks.md). The store decides who gets what
 * (strict FIFO, all or nothing); this side waits: it polls the store, and looks again at
 * once when this process releases something. A wait is part of the attempt: it shows as
 * `running`, its timeout counts, and a cancel ends it.
 */
export class LockQueue {
  private readonly wakers = new Set<() => void>();

  constructor(private readonly options: LockQueueOptions) {}

  /**
   * What a step holds while its action runs: the workflow's locks (shared by the steps of
   * one run), its own locks, and a slot of its pool.
   */
  claimsFor(workflow: Workflow, spec: StepSpec): LockClaim[] {
    const claims: LockClaim[] = [
      ...(workflow.locks ?? []).map((name) => ({ name, capacity: 1, perRun: true })),
      ...(spec.locks ?? []).map((name) => ({ name, capacity: 1, perRun: false })),
    ];
    if (spec.pool !== undefined) {
      const pool = Object.hasOwn(this.options.pools, spec.pool) ? this.options.pools[spec.pool] : undefined;
      if (!pool) {
        const known = Object.keys(this.options.pools);
        const list = known.length === 0 ? 'no pools are configured' : `configured pools: ${known.join(', ')}`;
        throw new ActionFailure(`step '${spec.id}' takes a slot of pool '${spec.pool}', which is not configured (${list}); add it under \`pools:\` in cairn.yaml`, 'UNKNOWN_POOL', { pool: spec.pool }, false);
      }
      claims.push({ name: `pool:${spec.pool}`, capacity: pool.slots, perRun: false });
    }
    return mergeClaims(claims);
  }

  /**
   * Wait until every claim is held, then check that nothing listens on the ports of
   * `port:N` locks. Resolves with the release; rejects (holding nothing) when aborted or
   * when a port is in use.
   */
  async hold(req: HoldRequest, claims: LockClaim[]): Promise<Release> {
    const key: LockHolderKey = { runId: req.runId, step: req.step, attempt: req.attempt };
    const release = once(async () => {
      await this.options.store.releaseLocks(key).catch(this.options.onError);
      this.wake();
    });
    try {
      await this.acquire(req, key, claims);
      await checkPorts(claims, req.log);
      return release;
    } catch (err) {
      // Leaves the queue, or gives back what was taken before a port was found in use.
      await release();
      throw err;
    }
  }

  private async acquire(req: HoldRequest, key: LockHolderKey, claims: LockClaim[]): Promise<void> {
    const { store, ownerId, leaseMs } = this.options;
    let waitedSince: number | undefined;
    for (;;) {
      if (req.signal.aborted) throw abortedFailure(req.signal.reason);
      let outcome = await store.acquireLocks({ ...key, ownerId, claims, leaseMs });
      if (!outcome.acquired) {
        // A holder whose process died on this machine frees its locks now, not when its lease lapses.
        const deadOwners = await this.deadOwnersIn(outcome);
        if (deadOwners.length > 0) outcome = await store.acquireLocks({ ...key, ownerId, claims, leaseMs, deadOwners });
      }
      if (outcome.acquired) {
        if (req.signal.aborted) throw abortedFailure(req.signal.reason);
        if (waitedSince !== undefined) req.log(`got ${claims.map((c) => c.name).join(', ')} after ${((Date.now() - waitedSince) / 1000).toFixed(1)}s`);
        return;
      }
      if (waitedSince === undefined) {
        waitedSince = Date.now();
        req.log(waitingLine(outcome));
      }
      await this.pause(req.signal);
    }
  }

  private async deadOwnersIn(outcome: Extract<LockOutcome, { acquired: false }>): Promise<string[]> {
    const ids = new Set([...outcome.holders, ...outcome.ahead].map((h) => h.ownerId));
    ids.delete(this.options.ownerId);
    if (ids.size === 0) return [];
    const owners = await this.options.store.listOwners();
    return owners.filter((o) => ids.has(o.id) && isOwnerDead(o)).map((o) => o.id);
  }

  /** Until the next poll, a release in this process, or the abort. */
  private pause(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const [min, max] = POLL_MS;
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, min + Math.random() * (max - min));
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    for (const wake of [...this.wakers]) wake();
  }
}

/** `waiting for lock port:8113 (held by run 0kx… step deploy)`, said once per wait. */
function waitingLine(outcome: Extract<LockOutcome, { acquired: false }>): string {
  const first = outcome.holders[0];
  if (first) {
    const same = outcome.holders.filter((h) => h.lock === first.lock);
    const by = same.map((h) => `run ${h.runId} step ${h.step}`).join(', ');
    return `waiting for ${describeLock(first.lock)} (held by ${by})`;
  }
  const ahead = outcome.ahead[0];
  const lock = ahead?.locks[0] ?? 'a lock';
  return `waiting for ${describeLock(lock)} (queued behind ${outcome.ahead.map((w) => `run ${w.runId} step ${w.step}`).join(', ')})`;
}

function describeLock(name: string): string {
  return name.startsWith('pool:') ? `a slot of pool ${name.slice(5)}` : `lock ${name}`;
}

/** The seeds' "mandatory startup validation": a port lock is worthless if the port is taken. */
async function checkPorts(claims: LockClaim[], log: (line: string) => void): Promise<void> {
  for (const claim of claims) {
    const port = portOf(claim.name);
    if (port === undefined) continue;
    const state = await probePort(port);
    if (state === 'taken') {
      throw new ActionFailure(`port ${port} is already in use on this machine (mandatory startup validation): stop what listens there or pick another port`, 'PORT_IN_USE', { port }, false);
    }
    if (state === 'unknown') log(`cannot check port ${port} (binding it needs privileges): assuming nothing listens there`);
  }
}

export function portOf(lock: string): number | undefined {
  const m = /^port:(\d{1,5})$/.exec(lock);
  return m ? Number(m[1]) : undefined;
}

function once(work: () => Promise<void>): Release {
  let done: Promise<void> | undefined;
  return () => (done ??= work());
}
