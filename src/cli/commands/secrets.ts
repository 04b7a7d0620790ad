import type { Command } from 'commander';
import pc from 'picocolors';
import { cliActor } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { table, time } from '../format.js';
import { openFrom } from '../open.js';

/**
 * `cairn secrets set NAME`: the value comes from stdin (`--value-stdin`, or a pipe) or a
 * prompt that does not echo; never from argv, which every user sees in `ps`.
 */
export async function set(name: string, opts: { valueStdin?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const value = opts.valueStdin || !process.stdin.isTTY ? await readStdin() : await prompt(`value of ${name}: `);
  const cairn = await openFrom(cmd);
  try {
    const actor = cliActor();
    await cairn.secrets.set(name, value, actor.name);
    await cairn.audit.record(actor, 'secret.set', name);
    if (opts.json) process.stdout.write(`${JSON.stringify({ name, stored: true })}\n`);
    else process.stdout.write(`secret ${name} stored (sealed with the master key)\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** `cairn secrets list`: names and where each comes from; never a value. */
export async function list(opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const secrets = await cairn.secrets.list();
    if (opts.json) {
      const rows = secrets.map((s) => ({ name: s.name, source: s.source, ...(s.updatedAt ? { updated_at: new Date(s.updatedAt).toISOString() } : {}), ...(s.updatedBy ? { updated_by: s.updatedBy } : {}) }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (secrets.length === 0) {
      process.stdout.write(pc.dim('no secrets: `cairn secrets set NAME` (or CAIRN_SECRET_NAME, or `secrets.file` in cairn.yaml)\n'));
    } else {
      const rows = [['name', 'source', 'updated', 'by'].map((h) => pc.dim(h))];
      for (const s of secrets) rows.push([s.name, s.source, s.updatedAt ? time(s.updatedAt) : '', s.updatedBy ?? '']);
      process.stdout.write(table(rows));
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** `cairn secrets delete NAME`: from the store (the environment and the file are yours to edit). */
export async function remove(name: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    await cairn.secrets.delete(name);
    await cairn.audit.record(cliActor(), 'secret.delete', name);
    if (opts.json) process.stdout.write(`${JSON.stringify({ name, deleted: true })}\n`);
    else process.stdout.write(`secret ${name} deleted\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's (`echo x |`), not the secret's.
  const value = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (value === '') throw new CliError('no value on stdin: pipe it in, e.g. `printf %s "$TOKEN" | cairn secrets set NAME --value-stdin`', EXIT.usage);
  return value;
}

/** Read a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(value === '' ? new CliError('no value given', EXIT.usage) : undefined);
        if (ch === '\u0003') return done(new CliError('interrupted', EXIT.interrupted));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
