import type { Command } from 'commander';
import { openFrom } from '../open.js';
import { follow } from './run.js';

/** Run a failed run again from its failed steps, here, showing progress like `cairn run`. */
export default async function retry(run: string, opts: { step?: string; as?: string; json?: boolean; quiet?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const started = await cairn.retry(run, { ...(opts.step ? { step: opts.step } : {}), ...(opts.as ? { by: opts.as } : {}) });
    return await follow(cairn, started, opts);
  } finally {
    await cairn.close();
  }
}
