import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Owner } from '../store/store.js';

/** This process as an owner of runs. */
export function currentOwner(now: number): Owner {
  const owner: Owner = { id: randomUUID(), host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now };
  const start = processStartTime(process.pid);
  if (start !== undefined) owner.pidStart = start;
  return owner;
}

/**
 * On one machine we can tell that an owner died (its pid is gone, or now belongs to a
 * newer process), so recovery need not wait for its lease to lapse. Owners on other hosts
 * are judged by their lease alone.
 */
export function isOwnerDead(owner: Owner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStartTime(owner.pid);
  return owner.pidStart !== undefined && start !== undefined && start !== owner.pidStart;
}

/** Field 22 of /proc/PID/stat: the start time in clock ticks since boot (Linux only). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
