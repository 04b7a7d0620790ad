import type { Command } from 'commander';
import pc from 'picocolors';
import { CliError, EXIT } from '../exit.js';
import { time } from '../format.js';
import { openFrom } from '../open.js';

export async function add(text: string, opts: { category?: string; tags?: string; as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const tags = opts.tags ? opts.tags.split(',').map((t) => t.trim()).filter(Boolean) : [];
    const note = await cairn.remember({ text, tags, ...(opts.category ? { category: opts.category } : {}), ...(opts.as ? { by: opts.as } : {}) });
    process.stdout.write(opts.json ? `${JSON.stringify(note, null, 2)}\n` : `${pc.green('✓')} remembered note ${note.id}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

export async function search(query: string, opts: { category?: string; limit?: string; json?: boolean }, cmd: Command): Promise<number> {
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CliError(`--limit must be a positive whole number, got '${opts.limit}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const hits = await cairn.recall(query, { ...(limit ? { limit } : {}), ...(opts.category ? { category: opts.category } : {}) });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
      return EXIT.ok;
    }
    if (hits.length === 0) process.stdout.write(pc.dim('no notes match\n'));
    for (const n of hits) {
      const where = n.runId ? pc.dim(` (run ${n.runId}${n.step ? ` step ${n.step}` : ''})`) : '';
      const meta = [n.category, ...n.tags.map((t) => `#${t}`)].filter(Boolean).join(' ');
      process.stdout.write(`${pc.bold(String(n.id))} ${pc.dim(time(n.createdAt))} ${meta ? pc.cyan(meta) : ''}${where}\n  ${n.text}\n`);
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
