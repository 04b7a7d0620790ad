import { readdirSync, readFileSync } from 'node:fs';
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
export async function stopOrphans(store: Store, runId: string, runningKeys: readonly string[] = []): Promise<number> {
  const here = hostname();
  let stopped = 0;
  for (const proc of await store.listProcesses(runId)) {
    if (proc.host !== here) continue;
    const start = processStartTime(proc.pid);
    const same = start !== undefined && (proc.pidStart === undefined || proc.pidStart === start);
    if (same && groupIsRunning(proc.pid)) {
      await stopGroup(proc.pid);
      stopped++;
    }
    await store.removeProcess(proc.runId, proc.step, proc.attempt);
  }
  // Records are written a moment after a spawn (process-registry.ts): a process started
  // just before its owner died has none. Its environment still holds its attempt's key.
  for (const pgid of groupsWithKeys(runningKeys)) {
    await stopGroup(pgid);
    stopped++;
  }
  return stopped;
}

async function stopGroup(pgid: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  for (let waited = 0; waited < GRACE_MS && groupIsRunning(pgid); waited += 50) await delay(50);
  if (groupIsRunning(pgid)) signalGroup(pgid, 'SIGKILL');
}

/**
 * Process groups on this host whose leader was started for one of these attempts (its
 * environment holds CAIRN_IDEMPOTENCY_KEY=key), not by this process. Linux only (/proc);
 * elsewhere none.
 */
export function groupsWithKeys(keys: readonly string[]): number[] {
  if (process.platform !== 'linux' || keys.length === 0) return [];
  const markers = keys.map((key) => `\0CAIRN_IDEMPOTENCY_KEY=${key}\0`);
  const groups = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      // Fields after the command name (which may hold spaces): state ppid pgrp ...
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pid || Number(ppid) === process.pid) continue;
      const environ = `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`;
      if (markers.some((m) => environ.includes(m))) groups.add(pid);
    } catch {
      // Gone meanwhile, or another user's process.
    }
  }
  return [...groups];
}
