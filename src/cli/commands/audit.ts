import type { Command } from 'commander';
import pc from 'picocolors';
import type { AuditEntry } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { table, time } from '../format.js';
import { openFrom } from '../open.js';

/** `cairn audit`: who did what, from where, newest first. */
export default async function audit(opts: { since?: string; actor?: string; limit?: string; json?: boolean }, cmd: Command): Promise<number> {
  const limit = opts.limit === undefined ? 100 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit takes a whole number, not '${opts.limit}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const entries = await cairn.audit.list({ limit, ...(opts.since ? { since: opts.since } : {}), ...(opts.actor ? { actor: opts.actor } : {}) });
    if (opts.json) process.stdout.write(`${JSON.stringify(entries.map(auditJson), null, 2)}\n`);
    else if (entries.length === 0) process.stdout.write(pc.dim('no audit entries\n'));
    else {
      const rows = [['when', 'actor', 'from', 'action', 'target'].map((h) => pc.dim(h))];
      for (const e of entries) rows.push([time(e.at), e.actor, e.origin, e.action, e.target ?? '']);
      process.stdout.write(table(rows));
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** The `--json` (and API) shape: snake_case, ISO times. */
export function auditJson(e: AuditEntry): Record<string, unknown> {
  return { id: e.id, at: new Date(e.at).toISOString(), actor: e.actor, origin: e.origin, action: e.action, ...(e.target !== undefined ? { target: e.target } : {}), ...(e.details ? { details: e.details } : {}) };
}
