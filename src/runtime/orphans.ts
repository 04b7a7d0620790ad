import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { groupIsRunning, signalGroup } from '../actions/process-tree.js';
import type { Store } from '../store/store.js';
import { processStartTime } from './owner.js';

const GRACE_MS = 2000;

/**
 * A Cairn process that dies (SIGKILL, OOM) leaves its steps' process groups running: they
 * were started detached so that cancelling could kill whole trees. Before a new owner runs
 * those steps again, it stops them, so one step never runs twice at the same time.
 * Groups on other hosts cannot be reached from here; their records stay for their host.
 */
export async function stopOrphans(store: Store, runId: string): Promise<number> {
  const here = hostname();
  let stopped = 0;
  for (const proc of await store.listProcesses(runId)) {
    if (proc.host !== here) continue;
    const start = processStartTime(proc.pid);
    const same = start !== undefined && (proc.pidStart === undefined || proc.pidStart === start);
    if (same && groupIsRunning(proc.pid)) {
      signalGroup(proc.pid, 'SIGTERM');
      for (let waited = 0; waited < GRACE_MS && groupIsRunning(proc.pid); waited += 50) await delay(50);
      if (groupIsRunning(proc.pid)) signalGroup(proc.pid, 'SIGKILL');
      stopped++;
    }
    await store.removeProcess(proc.runId, proc.step, proc.attempt);
  }
  return stopped;
}
