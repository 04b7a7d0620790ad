import type { Command } from 'commander';
import pc from 'picocolors';
import { suggestWorkflows } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { openFrom } from '../open.js';
import { commandList } from './command-list.js';

export default async function suggest(opts: { context?: string; intent?: string; recent?: string; limit?: string; json?: boolean }, cmd: Command): Promise<number> {
  const recent = commandList(opts.recent ?? '');
  if ((opts.context ?? '').trim() === '' && (opts.intent ?? '').trim() === '' && recent.length === 0) {
    throw new CliError('give --context, --intent or --recent (e.g. cairn suggest --context "security incident detected")', EXIT.usage);
  }
  const limit = opts.limit === undefined ? 5 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new CliError(`--limit must be a whole number from 1 to 50, got '${opts.limit}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const suggestions = await suggestWorkflows(cairn, { ...(opts.context ? { context: opts.context } : {}), ...(opts.intent ? { intent: opts.intent } : {}), recent, limit });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ suggestions }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (suggestions.length === 0) {
      process.stdout.write(pc.dim('no workflow fits; `cairn templates` lists the built-in ones\n'));
      return EXIT.ok;
    }
    suggestions.forEach((s, i) => {
      process.stdout.write(`${pc.bold(`${i + 1}. ${s.workflow}`)} ${pc.dim(`score ${s.score.toFixed(2)}`)}  ${s.name}\n   ${pc.dim(s.reasons.join('; '))}\n`);
    });
    process.stdout.write(pc.dim(`run one: cairn run ${suggestions[0]?.workflow ?? ''} -p name=value\n`));
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
