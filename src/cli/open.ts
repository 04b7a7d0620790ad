import { Cairn } from '../app/index.js';
import type { Command } from 'commander';

/** Open the application with the global options (--db). */
export function openFrom(cmd: Command): Promise<Cairn> {
  const { db, config } = cmd.optsWithGlobals<{ db?: string; config?: string }>();
  return Cairn.open({ ...(db ? { db } : {}), ...(config ? { config } : {}) });
}
