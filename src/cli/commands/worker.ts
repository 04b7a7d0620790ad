import type { Command } from 'commander';
import { Cairn, type WorkerEvent } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';

interface WorkerFlags {
  labels?: string;
  concurrency?: string;
  lease?: string;
  shutdownGrace?: string;
  quiet?: boolean;
}

/**
 * `cairn worker`: run steps handed out by the engine nodes sharing the store (steps with
 * `runs_on`), until SIGTERM or Ctrl-C. One line per step on stderr.
 */
export default async function worker(flags: WorkerFlags, cmd: Command): Promise<number> {
  const { db, config } = cmd.optsWithGlobals<{ db?: string; config?: string }>();
  const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw new CliError(`--concurrency takes a whole number of steps (1 or more), not '${flags.concurrency}'`, EXIT.usage);
  const leaseMs = flags.lease === undefined ? undefined : seconds('--lease', flags.lease) * 1000;
  const graceMs = flags.shutdownGrace === undefined ? 30_000 : seconds('--shutdown-grace', flags.shutdownGrace) * 1000;
  const labels = (flags.labels ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
  const cairn = await Cairn.open({ ...(db ? { db } : {}), ...(config ? { config } : {}), onError: (err) => process.stderr.write(`cairn worker: ${err instanceof Error ? err.message : String(err)}\n`) });
  const print = (line: string) => process.stderr.write(`cairn worker: ${line}\n`);
  try {
    const running = await cairn.startWorker({
      labels,
      version: cmd.parent?.version() ?? 'unknown',
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(leaseMs !== undefined ? { leaseMs } : {}),
      ...(flags.quiet ? {} : { report: (event: WorkerEvent) => print(describe(event)) }),
    });
    // Steps' processes can tell which worker runs them.
    process.env['CAIRN_WORKER_ID'] = running.id;
    print(`${running.id} ready (labels: ${labels.join(', ') || 'none'}; store ${cairn.storeLocation})`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        print(`${signal}: taking no new steps; letting running ones finish (up to ${graceMs / 1000}s)`);
        running.stop(graceMs).then(resolve, (err: unknown) => {
          print(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve();
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    print('stopped');
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

function seconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new CliError(`${flag} takes seconds (such as 5 or 0.5), not '${value}'`, EXIT.usage);
  return n;
}

function describe(event: WorkerEvent): string {
  const t = event.task;
  const what = `${t.runId} ${t.step} (attempt ${t.attempt}, ${t.command})`;
  switch (event.kind) {
    case 'started':
      return `started ${what}`;
    case 'finished':
      return event.kept ? `${event.ok ? 'succeeded' : 'failed'} ${what}` : `result of ${what} refused: this worker lost its lease (another worker took the step)`;
    case 'lost':
      return `lost the lease of ${what}: stopping it`;
  }
}
