import type { Command } from 'commander';
import pc from 'picocolors';
import type { RunStatus } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { colorStatus, duration, table, time } from '../format.js';
import { openFrom } from '../open.js';
import { runSummaryJson } from '../run-json.js';

const STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'rolling_back', 'rolled_back', 'rollback_failed'];

export default async function runs(opts: { status?: string[]; workflow?: string; limit: string; json?: boolean }, cmd: Command): Promise<number> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, got '${opts.limit}'`, EXIT.usage);
  for (const s of opts.status ?? []) if (!STATUSES.includes(s)) throw new CliError(`unknown status '${s}'; one of ${STATUSES.join(', ')}`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const list = await cairn.listRuns({ limit, ...(opts.status ? { status: opts.status as RunStatus[] } : {}), ...(opts.workflow ? { workflowId: opts.workflow } : {}) });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(list.map(runSummaryJson), null, 2)}\n`);
      return EXIT.ok;
    }
    if (list.length === 0) {
      process.stdout.write(pc.dim(`no runs in ${cairn.storeLocation}\n`));
      return EXIT.ok;
    }
    const rows = [[pc.dim('run'), pc.dim('workflow'), pc.dim('status'), pc.dim('started'), pc.dim('took'), pc.dim('by')]];
    for (const r of list) {
      rows.push([r.id, r.workflowId, colorStatus(r.status), time(r.startedAt ?? r.createdAt), r.startedAt ? duration((r.finishedAt ?? Date.now()) - r.startedAt) : '', r.startedBy ?? '']);
    }
    process.stdout.write(`${table(rows)}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
