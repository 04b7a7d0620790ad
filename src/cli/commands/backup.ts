import type { Command } from 'commander';
import { restoreStore, storeLocationOf } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { openFrom } from '../open.js';

/** `cairn backup FILE`: a consistent copy of the store while it is in use. */
export async function backup(file: string, opts: { force?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const report = await cairn.backup(file, { force: opts.force === true });
    if (opts.json) process.stdout.write(`${JSON.stringify({ file: report.file, pages: report.pages })}\n`);
    else process.stdout.write(`backed up ${cairn.storeLocation} to ${report.file}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** `cairn restore FILE`: replace the store with a backup (no Cairn process may be using it). */
export async function restore(file: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const { db, config } = cmd.optsWithGlobals<{ db?: string; config?: string }>();
  const location = await storeLocationOf({ ...(db ? { db } : {}), ...(config ? { config } : {}) });
  const report = await restoreStore(location, file);
  if (opts.json) process.stdout.write(`${JSON.stringify({ file: report.file, store: report.store, runs: report.runs, schema_version: report.schemaVersion, ...(report.kept ? { kept: report.kept } : {}) })}\n`);
  else {
    process.stdout.write(`restored ${report.file} into ${report.store} (${report.runs} run(s))\n`);
    if (report.kept) process.stdout.write(`the store it replaced is kept as ${report.kept}\n`);
    process.stdout.write('runs that were in flight carry on with `cairn resume` (or `cairn serve`)\n');
  }
  return EXIT.ok;
}
