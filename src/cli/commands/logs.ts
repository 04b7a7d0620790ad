import type { Command } from 'commander';
import pc from 'picocolors';
import { TERMINAL_RUN_STATUSES } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { openFrom } from '../open.js';

export default async function logs(id: string, opts: { step?: string; follow?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const runId = await cairn.resolveRunId(id);
    let afterId = 0;
    for (;;) {
      const lines = await cairn.logs(runId, { afterId, limit: 1000, ...(opts.step ? { step: opts.step } : {}) });
      for (const l of lines) {
        afterId = Math.max(afterId, l.id ?? afterId);
        if (opts.json) process.stdout.write(`${JSON.stringify({ id: l.id, step: l.step, attempt: l.attempt, stream: l.stream, line: l.line, at: new Date(l.at).toISOString() })}\n`);
        else process.stdout.write(`${pc.dim(`${l.step}${l.attempt > 1 ? `#${l.attempt}` : ''} │`)} ${l.stream === 'stderr' ? pc.red(l.line) : l.line}\n`);
      }
      if (lines.length === 1000) continue;
      if (!opts.follow) return EXIT.ok;
      const run = (await cairn.getRun(runId)).run;
      if (TERMINAL_RUN_STATUSES.includes(run.status)) {
        // One last read: lines written just before the run finished.
        const rest = await cairn.logs(runId, { afterId, ...(opts.step ? { step: opts.step } : {}) });
        for (const l of rest) process.stdout.write(opts.json ? `${JSON.stringify(l)}\n` : `${pc.dim(`${l.step} │`)} ${l.line}\n`);
        return EXIT.ok;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await cairn.close();
  }
}
