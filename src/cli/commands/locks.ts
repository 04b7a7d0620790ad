import type { Command } from 'commander';
import pc from 'picocolors';
import type { LocksView } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { table, time } from '../format.js';
import { openFrom } from '../open.js';

/** `cairn locks`: who holds each lock and pool slot, and who waits, in queue order. */
export default async function locks(opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const view = await cairn.locks();
    if (opts.json) process.stdout.write(`${JSON.stringify(locksJson(view), null, 2)}\n`);
    else process.stdout.write(locksText(view, cairn.storeLocation));
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/**
 * The `--json` contract: snake_case, one waiter entry per lock it waits for, `position`
 * being its place in the queue (1 goes first).
 */
export function locksJson(view: LocksView): Record<string, unknown> {
  return {
    holders: view.holders.map((h) => ({ lock: h.lock, run_id: h.runId, step: h.step, attempt: h.attempt, owner: h.ownerId, since: new Date(h.acquiredAt).toISOString(), stale: h.stale })),
    waiters: view.waiters.flatMap((w, i) =>
      w.locks.map((lock) => ({ position: i + 1, lock, run_id: w.runId, step: w.step, attempt: w.attempt, owner: w.ownerId, since: new Date(w.since).toISOString() })),
    ),
  };
}

function locksText(view: LocksView, location: string): string {
  if (view.holders.length === 0 && view.waiters.length === 0) return pc.dim(`no locks held or awaited in ${location}\n`);
  const out: string[] = [];
  const head = (cells: string[]) => cells.map((c) => pc.dim(c));
  if (view.holders.length > 0) {
    const rows = [head(['lock', 'run', 'step', 'owner', 'since'])];
    for (const h of view.holders) rows.push([h.lock, h.runId, h.step, `${h.ownerId.slice(0, 8)}${h.stale ? pc.yellow(' (gone: free to take)') : ''}`, time(h.acquiredAt)]);
    out.push(pc.bold('held'), table(rows));
  }
  if (view.waiters.length > 0) {
    const rows = [head(['#', 'lock', 'run', 'step', 'waiting since'])];
    view.waiters.forEach((w, i) => rows.push([String(i + 1), w.locks.join(', '), w.runId, w.step, time(w.since)]));
    out.push(pc.bold('waiting'), table(rows));
  }
  return `${out.join('\n')}\n`;
}
