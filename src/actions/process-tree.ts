import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A step's processes form one process group: the child is spawned detached, so it leads a
 * group that its children and grandchildren inherit. Signalling the group reaches all of
 * them, even after the leader has exited.
 */

/** Sends `signal` to every process in the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isErrno(error, 'ESRCH') || isErrno(error, 'EPERM')) return false;
    throw error;
  }
}

/**
 * True while a process of the group is still running. Zombies do not count: where PID 1
 * does not reap orphans (some containers) they linger in the group for ever.
 */
export function groupIsRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

/** True while the process exists and is not a zombie. */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between listing and reading
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Stopping a process group: SIGTERM at once, SIGKILL to whatever is left when the grace
 * period ends.
 */
export class Termination {
  private readonly timer: NodeJS.Timeout;
  private killSent = false;

  constructor(
    private readonly pgid: number,
    graceMs: number,
  ) {
    signalGroup(pgid, 'SIGTERM');
    this.timer = setTimeout(() => {
      this.killSent = true;
      signalGroup(pgid, 'SIGKILL');
    }, graceMs);
  }

  /** Resolves once no process of the group runs any more, or SIGKILL has been sent. */
  async settled(): Promise<void> {
    while (!this.killSent && groupIsRunning(this.pgid)) await delay(25);
    clearTimeout(this.timer);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
