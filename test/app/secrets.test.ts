import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Cairn, CairnError } from '../../src/app/index.js';

const MASTER_KEY = randomBytes(32).toString('base64');

/** A workspace with a SQLite store (the test reads the file's bytes) and a master key. */
function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-secrets-'));
  const opened: Cairn[] = [];
  return {
    dir,
    db: join(dir, 'cairn.db'),
    file(name: string, text: string): string {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async open(env: NodeJS.ProcessEnv = {}, config?: string): Promise<Cairn> {
      const cairn = await Cairn.open({ db: join(dir, 'cairn.db'), cwd: dir, env: { ...process.env, CAIRN_MASTER_KEY: MASTER_KEY, ...env }, ...(config ? { config } : {}), onError: (e) => console.error('runtime error', e) });
      opened.push(cairn);
      return cairn;
    },
    async close(): Promise<void> {
      for (const c of opened.splice(0)) await c.close().catch(() => undefined);
    },
  };
}

let ws: ReturnType<typeof workspace> | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

/** Every byte of the store: the database file and whatever WAL is left beside it. */
function storeBytes(db: string): string {
  // Fold the WAL in, then read every file of the store, so nothing hides in either.
  const conn = new Database(db);
  conn.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  conn.close();
  const dir = join(db, '..');
  return readdirSync(dir)
    .filter((f) => f.startsWith('cairn.db'))
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

const LEAKY = `
id: leaky
name: Leaky
steps:
  - id: echo
    command: shell
    parameters:
      env: { TOKEN: "\${{ secrets.CANARY }}", HEADER: "Bearer \${{ secrets.CANARY }}" }
      run: |
        echo "the token is $TOKEN"
        echo "$HEADER" >&2
        printf 'token=%s\\n' "$TOKEN" >> "$CAIRN_OUTPUT"
        printf '%s' "$TOKEN" > received.txt
  - id: fail
    command: shell
    depends_on: [echo]
    parameters:
      env: { TOKEN: "\${{ secrets.CANARY }}" }
      run: |
        echo "cannot log in with $TOKEN" >&2
        exit 3
`;

describe('secrets', () => {
  it('reach the step through its environment and appear nowhere in the store, logs, outputs or errors', async () => {
    ws = workspace();
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const setter = await ws.open();
    await setter.secrets.set('CANARY', canary, 'tester');
    await setter.close();

    const cairn = await ws.open();
    const file = ws.file('leaky.yaml', LEAKY);
    const run = (await cairn.waitFor((await cairn.startRun({ file })).id))!;
    expect(run.status).toBe('failed');
    // The step had the real value.
    expect(readFileSync(join(ws.dir, 'received.txt'), 'utf8')).toBe(canary);

    const view = await cairn.getRun(run.id);
    const echo = view.steps.find((s) => s.stepId === 'echo');
    expect(echo?.outputs?.['token']).toBe('***');
    expect(String(echo?.outputs?.['stdout'])).toContain('the token is ***');
    const fail = view.steps.find((s) => s.stepId === 'fail');
    expect(fail?.error?.message).toContain('cannot log in with ***');
    const logs = await cairn.logs(run.id);
    expect(logs.map((l) => l.line)).toContain('the token is ***');
    expect(logs.map((l) => l.line)).toContain('Bearer ***');
    const events = await cairn.runEvents(run.id);
    expect(JSON.stringify(events)).toContain('***');

    const everything = JSON.stringify({ view, logs, events, runs: await cairn.listRuns() });
    expect(everything).not.toContain(canary);
    await cairn.close();
    const bytes = storeBytes(ws.db);
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes).not.toContain(canary);
    // Nor a hex or base64 form of it (the sealed value is ciphertext, not an encoding).
    expect(bytes).not.toContain(Buffer.from(canary).toString('base64'));
    expect(bytes).toContain('cannot log in with ***');
  });

  it('reach an http step in a header, and the answer that echoes it is redacted', async () => {
    ws = workspace();
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ you_sent: req.headers.authorization }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
      const cairn = await ws.open({ CAIRN_SECRET_API_TOKEN: canary });
      const file = ws.file('call.yaml', `id: call\nname: Call\nsteps:\n  - id: call\n    command: http\n    parameters:\n      url: ${url}\n      headers: { Authorization: "Bearer \${{ secrets.API_TOKEN }}" }\n`);
      const run = (await cairn.waitFor((await cairn.startRun({ file })).id))!;
      expect(run.status).toBe('succeeded');
      expect(seen).toEqual([`Bearer ${canary}`]);
      const view = await cairn.getRun(run.id);
      const recorded = JSON.stringify({ view, events: await cairn.runEvents(run.id), logs: await cairn.logs(run.id) });
      expect(recorded).toContain('Bearer ***');
      expect(recorded).not.toContain(canary);
      await cairn.close();
      expect(storeBytes(ws.db)).not.toContain(canary);
    } finally {
      server.close();
    }
  });

  it('come from CAIRN_SECRET_NAME first, then the secrets file, then the store', async () => {
    ws = workspace();
    const secretsFile = ws.file('secrets.yaml', 'FROM_FILE: file-value-123\nBOTH: file-loses\n');
    chmodSync(secretsFile, 0o600);
    const config = ws.file('cairn.yaml', 'secrets:\n  file: secrets.yaml\n');
    const cairn = await ws.open({ CAIRN_SECRET_BOTH: 'env-wins-456' }, config);
    await cairn.secrets.set('FROM_STORE', 'store-value-789', 'tester');
    const values = await cairn.secrets.reveal(['FROM_FILE', 'BOTH', 'FROM_STORE']);
    expect(Object.fromEntries(values)).toEqual({ FROM_FILE: 'file-value-123', BOTH: 'env-wins-456', FROM_STORE: 'store-value-789' });
    const listed = await cairn.secrets.list();
    expect(listed.map((s) => `${s.name}:${s.source}`)).toEqual(['BOTH:env', 'FROM_FILE:file', 'FROM_STORE:store']);
    expect(JSON.stringify(listed)).not.toContain('value');
    await expect(cairn.secrets.reveal(['MISSING'])).rejects.toThrow(/secret MISSING is not set: set CAIRN_SECRET_MISSING/);
  });

  it('refuse a secrets file that group or others may read, like ssh', async () => {
    ws = workspace();
    const secretsFile = ws.file('secrets.yaml', 'TOKEN: x\n');
    chmodSync(secretsFile, 0o644);
    const config = ws.file('cairn.yaml', 'secrets:\n  file: secrets.yaml\n');
    const cairn = await ws.open({}, config);
    const err = await cairn.secrets.reveal(['TOKEN']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('SECRETS_FILE_EXPOSED');
    expect((err as Error).message).toContain(`chmod 600 ${secretsFile}`);
    // A run that needs it fails its step with the reason, and never runs the command.
    const file = ws.file('uses.yaml', 'id: uses\nname: Uses\nsteps:\n  - id: a\n    command: shell\n    parameters:\n      env: { T: "${{ secrets.TOKEN }}" }\n      run: touch ran.txt\n');
    const run = (await cairn.waitFor((await cairn.startRun({ file })).id))!;
    expect(run.status).toBe('failed');
    expect((await cairn.getRun(run.id)).steps[0]?.error?.message).toContain('chmod 600');
    expect(readdirSync(ws.dir)).not.toContain('ran.txt');
  });

  it('need the master key to be stored, and do not open under another one', async () => {
    ws = workspace();
    const noKey = await ws.open({ CAIRN_MASTER_KEY: '' });
    await expect(noKey.secrets.set('A', 'v', 't')).rejects.toMatchObject({ code: 'SECRET_KEY_MISSING' });
    const badKey = await ws.open({ CAIRN_MASTER_KEY: 'c2hvcnQ=' });
    await expect(badKey.secrets.set('A', 'v', 't')).rejects.toMatchObject({ code: 'SECRET_KEY_INVALID' });
    const cairn = await ws.open();
    await cairn.secrets.set('A', 'the-value', 't');
    const other = await ws.open({ CAIRN_MASTER_KEY: randomBytes(32).toString('base64') });
    await expect(other.secrets.reveal(['A'])).rejects.toThrow(/does not open with this master key/);
    await expect(cairn.secrets.delete('NOPE')).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
    await cairn.secrets.delete('A');
    expect(await cairn.secrets.list()).toEqual([]);
  });

  it('are refused in argv, run, conditions and outputs, with the env: form shown', async () => {
    ws = workspace();
    const cairn = await ws.open();
    const argv = await cairn.validateText('id: a\nname: A\nsteps:\n  - id: s\n    command: shell\n    parameters:\n      argv: [curl, "-H", "${{ secrets.TOKEN }}"]\n');
    expect(argv.valid).toBe(false);
    const d = argv.diagnostics.find((x) => x.code === 'DEF_SECRET_NOT_ALLOWED');
    expect(d?.message).toContain("puts secrets.TOKEN in 'argv'");
    expect(d?.fix).toContain('env: { TOKEN: "${{ secrets.TOKEN }}" }');
    const run = await cairn.validateText('id: a\nname: A\nsteps:\n  - id: s\n    command: shell\n    parameters:\n      run: echo ${{ secrets.TOKEN }}\n');
    expect(run.valid).toBe(false);
    expect(run.diagnostics.map((x) => x.code)).toContain('DEF_SECRET_NOT_ALLOWED');
    const output = await cairn.validateText('id: a\nname: A\nsteps:\n  - id: s\n    command: shell\n    parameters: { run: "true" }\n    outputs: { t: "${{ secrets.TOKEN }}" }\n');
    expect(output.diagnostics.find((x) => x.code === 'DEF_SECRET_NOT_ALLOWED')?.message).toContain("only in a step's parameters");
    const fine = await cairn.validateText('id: a\nname: A\nsteps:\n  - id: s\n    command: shell\n    parameters:\n      env: { T: "${{ secrets.TOKEN }}" }\n      run: echo "$T"\n');
    expect(fine.valid).toBe(true);
    const strict = await cairn.validateText('id: a\nname: A\nsteps:\n  - id: s\n    command: shell\n    timeout_seconds: 5\n    parameters:\n      env: { T: "${{ secrets.TOKEN }}" }\n      run: echo "$T"\n', { level: 'strict' });
    expect(strict.diagnostics.find((x) => x.code === 'DEF_SECRET_UNRESOLVED')?.message).toContain('secrets.TOKEN');
  });
});
