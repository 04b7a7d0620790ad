import pc from 'picocolors';
import { migrateStore, type MigrationCounts } from '../../app/migrate-store.js';

/** `cairn migrate-store --from <store> --to <store>`: copies everything into an empty store. */
export default async function migrate(opts: { from: string; to: string; force?: boolean; json?: boolean }): Promise<number> {
  const counts = await migrateStore({
    from: opts.from,
    to: opts.to,
    ...(opts.force ? { force: true } : {}),
    // Progress goes to stderr, so stdout stays the summary (or the JSON) alone.
    progress: (part, so) => process.stderr.write(pc.dim(`copied ${part}: ${summary(so)}\n`)),
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
  else process.stdout.write(`copied ${summary(counts)} into ${redact(opts.to)}\n`);
  return 0;
}

function summary(c: MigrationCounts): string {
  return Object.entries(c)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

/** A connection URL's password stays out of the terminal. */
function redact(location: string): string {
  try {
    const u = new URL(location);
    if (u.password === '') return location;
    u.password = '***';
    return u.toString();
  } catch {
    return location;
  }
}
