import type { Command } from 'commander';
import { cliActor } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { openFrom } from '../open.js';

/** `cairn prune`: apply retention now (flags, else `retention:` of cairn.yaml). */
export default async function prune(opts: { olderThan?: string; logsOlderThan?: string; auditOlderThan?: string; dryRun?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const report = await cairn.retention.prune({
      ...(opts.olderThan ? { olderThan: opts.olderThan } : {}),
      ...(opts.logsOlderThan ? { logsOlderThan: opts.logsOlderThan } : {}),
      ...(opts.auditOlderThan ? { auditOlderThan: opts.auditOlderThan } : {}),
      dryRun: opts.dryRun === true,
    });
    if (!report.dryRun) await cairn.audit.record(cliActor(), 'store.prune', undefined, { runs: report.runs, logs: report.logs, audit: report.audit, cutoffs: report.cutoffs });
    if (opts.json) process.stdout.write(`${JSON.stringify({ dry_run: report.dryRun, runs: report.runs, logs: report.logs, audit: report.audit, cutoffs: report.cutoffs })}\n`);
    else {
      const verb = report.dryRun ? 'would delete' : 'deleted';
      process.stdout.write(`${verb} ${report.runs} finished run(s), ${report.logs} log line(s), ${report.audit} audit entr${report.audit === 1 ? 'y' : 'ies'}\n`);
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
