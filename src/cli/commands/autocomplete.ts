import type { Command } from 'commander';
import pc from 'picocolors';
import { autocompleteSequence } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { openFrom } from '../open.js';
import { commandList } from './command-list.js';

export default async function autocomplete(sequence: string, opts: { limit?: string; json?: boolean }, cmd: Command): Promise<number> {
  const commands = commandList(sequence);
  if (commands.length === 0) throw new CliError('give the commands run so far, comma-separated (e.g. cairn autocomplete "hv-status,hv-broadcast")', EXIT.usage);
  const limit = opts.limit === undefined ? 5 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new CliError(`--limit must be a whole number from 1 to 50, got '${opts.limit}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const result = await autocompleteSequence(cairn, commands, limit);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ sequence: commands, ...result }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (result.workflows.length === 0) {
      process.stdout.write(pc.dim('no workflow runs that sequence\n'));
      return EXIT.ok;
    }
    process.stdout.write(`${pc.bold('next:')} ${result.next.map((n) => `${n.command} ${pc.dim(`(${n.workflows.join(', ')})`)}`).join(', ') || pc.dim('(the workflows end there)')}\n`);
    for (const w of result.workflows) {
      const rest = w.next.map((n) => n.command).join(' → ') || pc.dim('(ends there)');
      process.stdout.write(`${pc.bold(w.workflow)} ${pc.dim(`runs ${w.matched.join(', ')}${w.startsWith ? ' first' : ''}; ${w.runs} past run${w.runs === 1 ? '' : 's'}`)}\n   then ${rest}\n`);
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
