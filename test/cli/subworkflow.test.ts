import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testStoreLocation } from '../store/test-store.js';
import { BIN, cairn, ROOT } from './cli.js';

let dir: string;
let db: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build (npm test does it)');
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-sub-'));
  db = testStoreLocation(dir);
  writeFileSync(join(dir, 'child.yaml'), 'name: child\nsteps:\n  - id: hi\n    command: shell\n    parameters: { run: echo "n=7" >> "$CAIRN_OUTPUT" }\noutputs:\n  n: ${{ steps.hi.outputs.n }}\n');
  writeFileSync(join(dir, 'parent.yaml'), 'name: parent\nsteps:\n  - id: sub\n    command: workflow\n    parameters: { workflow: child.yaml }\noutputs:\n  n: ${{ steps.sub.outputs.n }}\n');
});

describe('cairn status with sub-workflows', () => {
  it('shows the link both ways, in text and in --json', async () => {
    const ran = await cairn(['run', 'parent.yaml', '--json', '--db', db], { cwd: dir });
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const parent = JSON.parse(ran.stdout) as { run_id: string; outputs: { n: string } };
    expect(parent.outputs.n).toBe('7');

    const json = JSON.parse((await cairn(['status', parent.run_id, '--json', '--db', db])).stdout) as { children: Array<{ run_id: string; workflow: string; step: string; status: string }>; parent?: unknown };
    expect(json.parent).toBeUndefined();
    expect(json.children).toHaveLength(1);
    const child = json.children[0]!;
    expect(child).toMatchObject({ workflow: 'child', step: 'sub', status: 'succeeded' });

    const down = await cairn(['status', parent.run_id, '--db', db]);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/children:\n\s+\S+\s+child\s+step sub\s+succeeded/);
    expect(down.stdout).toContain(child.run_id);

    const up = await cairn(['status', child.run_id, '--db', db]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`parent: ${parent.run_id} step sub`);
    const upJson = JSON.parse((await cairn(['status', child.run_id, '--json', '--db', db])).stdout) as { parent: unknown; children?: unknown };
    expect(upJson.parent).toEqual({ run_id: parent.run_id, step: 'sub' });
    expect(upJson.children).toBeUndefined();
  });

  it('cancel from another terminal: the parent, then its child, before `cairn run` exits', async () => {
    const ledger = join(dir, 'ledger');
    writeFileSync(ledger, '');
    writeFileSync(join(dir, 'nap.yaml'), `name: nap\nsteps:\n  - id: nap\n    command: shell\n    parameters: { env: { L: "${ledger}" }, run: 'echo "$CAIRN_RUN_ID" >> "$L"; sleep 30' }\n`);
    writeFileSync(join(dir, 'napper.yaml'), 'name: napper\nsteps:\n  - id: sub\n    command: workflow\n    parameters: { workflow: nap.yaml }\n');
    const running = spawn(process.execPath, [BIN, 'run', 'napper.yaml', '--json', '--db', db], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    running.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => running.once('exit', r));
    for (let i = 0; i < 400 && readFileSync(ledger, 'utf8') === ''; i++) await new Promise((r) => setTimeout(r, 50));
    const childId = readFileSync(ledger, 'utf8').trim();
    const child = JSON.parse((await cairn(['status', childId, '--json', '--db', db])).stdout) as { parent: { run_id: string } };
    const cancelled = await cairn(['cancel', child.parent.run_id, '--db', db]);
    expect(cancelled.code).toBe(0);
    expect(await exited).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ run_id: child.parent.run_id, status: 'cancelled' });
    // `cairn run` has exited: the child's cancellation was recorded before it let go.
    const after = JSON.parse((await cairn(['status', childId, '--json', '--db', db])).stdout) as { status: string; steps: Array<{ status: string }> };
    expect(after.status).toBe('cancelled');
    expect(after.steps[0]?.status).toBe('cancelled');
  });
});
