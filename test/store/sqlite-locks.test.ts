import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LockClaim, LockHold, Store } from '../../src/store/store.js';

/** What each lock name admits at once: a plain lock one, the pool two. */
const CAPACITY: Record<string, number> = { a: 1, b: 1, c: 1, 'pool:p': 2 };

interface Requester {
  runId: string;
  step: string;
  claims: LockClaim[];
}

const requester = fc.record({
  runId: fc.constantFrom('r1', 'r2', 'r3'),
  claims: fc.uniqueArray(
    fc.record({ name: fc.constantFrom('a', 'b', 'c', 'pool:p'), perRun: fc.boolean() }).map(({ name, perRun }) => ({ name, capacity: CAPACITY[name] ?? 1, perRun: perRun && name !== 'pool:p' })),
    { minLength: 1, maxLength: 3, selector: (c) => c.name },
  ),
});

const scenario = fc.record({
  requesters: fc.array(requester, { minLength: 2, maxLength: 6 }).map((rs) => rs.map((r, i): Requester => ({ ...r, step: `s${i}` }))),
  moves: fc.array(fc.nat(), { minLength: 5, maxLength: 60 }),
});

/** No lock has more units in use than it admits; a unit is a holder, or a run for shared holds. */
function checkCapacity(holds: LockHold[]): void {
  const units = new Map<string, Set<string>>();
  for (const h of holds) {
    const set = units.get(h.lock) ?? new Set<string>();
    set.add(h.perRun ? `run ${h.runId}` : `step ${h.runId} ${h.step} ${h.attempt}`);
    units.set(h.lock, set);
  }
  for (const [lock, set] of units) expect(set.size, `units of ${lock}`).toBeLessThanOrEqual(CAPACITY[lock] ?? 1);
}

describe('SQLite locks under random interleavings', () => {
  it('never over-admits, takes all or nothing, and lets every waiter through in the end', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ requesters, moves }) => {
        const dir = await mkdtemp(join(tmpdir(), 'cairn-locks-prop-'));
        const store: Store = openSqliteStore(join(dir, 'cairn.db'));
        try {
          const now = Date.now();
          await store.registerOwner({ id: 'A', host: 'box', pid: 1, startedAt: now, heartbeatAt: now });
          const holding = new Set<number>();
          const served = new Set<number>();
          const key = (i: number) => ({ runId: requesters[i]?.runId ?? '', step: requesters[i]?.step ?? '', attempt: 1 });
          const step = async (i: number) => {
            const r = requesters[i];
            if (!r) return;
            if (holding.has(i)) {
              await store.releaseLocks(key(i));
              holding.delete(i);
            } else if ((await store.acquireLocks({ ...key(i), ownerId: 'A', claims: r.claims, leaseMs: 60_000 })).acquired) {
              holding.add(i);
              served.add(i);
            }
            const { holders } = await store.listLocks();
            checkCapacity(holders);
            // All or nothing: a requester holds exactly its claims, or nothing.
            requesters.forEach((req, j) => {
              const mine = holders.filter((h) => h.runId === req.runId && h.step === req.step).map((h) => h.lock).sort();
              expect(mine).toEqual(holding.has(j) ? req.claims.map((c) => c.name).sort() : []);
            });
          };
          for (const m of moves) await step(m % requesters.length);
          // Everyone who asked gets through if holders keep finishing and waiters keep asking.
          for (let round = 0; round < requesters.length * 4 && served.size < requesters.length; round++) {
            for (let i = 0; i < requesters.length; i++) await step(i);
          }
          expect(served.size).toBe(requesters.length);
        } finally {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
