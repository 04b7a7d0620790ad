import type { Command } from 'commander';
import pc from 'picocolors';
import { ROLES, type Role } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { table, time } from '../format.js';
import { openFrom } from '../open.js';

/** `cairn keys create`: a new API key, printed once. */
export async function create(opts: { role: string; name?: string; json?: boolean }, cmd: Command): Promise<number> {
  if (!ROLES.includes(opts.role as Role)) throw new CliError(`--role takes one of ${ROLES.join(', ')}, not '${opts.role}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const issued = await cairn.keys.create({ role: opts.role as Role, ...(opts.name ? { name: opts.name } : {}), by: process.env['USER'] ?? 'cli' });
    if (opts.json) process.stdout.write(`${JSON.stringify({ key: issued.key, name: issued.name, role: issued.role, id: issued.id })}\n`);
    else process.stdout.write(`${issued.key}\n${pc.dim(`key '${issued.name}' (${issued.role}, id ${issued.id}): shown only now; store it safely`)}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** `cairn keys list`: every key, never a secret. */
export async function list(opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const keys = await cairn.keys.list();
    if (opts.json) {
      const rows = keys.map((k) => ({ id: k.id, name: k.name, role: k.role, created_at: new Date(k.createdAt).toISOString(), ...(k.revokedAt ? { revoked_at: new Date(k.revokedAt).toISOString() } : {}) }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (keys.length === 0) {
      process.stdout.write(pc.dim('no keys yet: `cairn keys create --role admin` (or start `cairn serve`, which creates one)\n'));
    } else {
      const rows = [['id', 'name', 'role', 'created', 'state'].map((h) => pc.dim(h))];
      for (const k of keys) rows.push([k.id, k.name, k.role, time(k.createdAt), k.revokedAt ? pc.red(`revoked ${time(k.revokedAt)}`) : pc.green('live')]);
      process.stdout.write(table(rows));
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** `cairn keys revoke <key>`: by id or name; it stops working at once. */
export async function revoke(idOrName: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const key = await cairn.keys.revoke(idOrName);
    if (opts.json) process.stdout.write(`${JSON.stringify({ id: key.id, name: key.name, role: key.role, revoked_at: new Date(key.revokedAt ?? Date.now()).toISOString() })}\n`);
    else process.stdout.write(`revoked key '${key.name}' (${key.role}, id ${key.id})\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
