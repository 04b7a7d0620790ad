import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { CronStart } from '../../src/triggers/scheduler.js';
import { createdEvent, makeRun } from '../store/builders.js';
import { testStoreLocation } from '../store/test-store.js';

export function tempDb(): string {
  return testStoreLocation(mkdtempSync(join(tmpdir(), 'cairn-triggers-')));
}

export async function openTemp(path = tempDb()): Promise<{ store: Store; path: string }> {
  return { store: await openStore(path), path };
}

/**
 * A `start` that really creates the run in the store with the start key (as the
 * application does), and remembers what it was asked.
 */
export function storeStarter(store: Store): { start: (req: CronStart) => Promise<{ runId: string }>; calls: CronStart[] } {
  const calls: CronStart[] = [];
  return {
    calls,
    async start(req) {
      calls.push(req);
      const run = makeRun(randomUUID(), { workflowId: req.workflowId, parameters: req.parameters, startedBy: req.startedBy, createdAt: Date.now() });
      await store.createRun(run, [createdEvent(run)], undefined, { startKey: req.startKey });
      return { runId: run.id };
    },
  };
}

/** Poll until `check` holds; generous deadline, no timing asserted. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The fire time in a `cron:<workflow>:<index>:<ms>` start key. */
export function fireTime(startKey: string): number {
  return Number(startKey.split(':').at(-1));
}
