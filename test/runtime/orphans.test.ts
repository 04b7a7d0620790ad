import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { groupIsRunning, signalGroup } from '../../src/actions/process-tree.js';
import { groupsWithKeys, stopOrphans } from '../../src/runtime/orphans.js';
import { openStore } from '../../src/store/open.js';
import { testStoreLocation } from '../store/test-store.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
});

/**
 * A step's process group as a crashed owner leaves it: a group leader with the attempt's
 * key in its environment. Started from a shell that exits at once, so its parent is not
 * this process (as after the owner died).
 */
async function orphan(key: string): Promise<number> {
  const launcher = spawn('bash', ['-c', 'setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!'], {
    env: { ...process.env, CAIRN_IDEMPOTENCY_KEY: key },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => launcher.on('close', r));
  const pid = Number(out.trim());
  started.push({ pid } as ChildProcess);
  return pid;
}

describe.runIf(process.platform === 'linux')('orphans a crashed owner left without a record', () => {
  it('finds and stops the process groups of running attempts by their key, and only those', async () => {
    const runner = await orphan('run-1:build');
    const compensating = await orphan('run-1:deploy:rollback');
    const finished = await orphan('run-1:test');
    const otherRun = await orphan('run-2:build');
    expect(groupsWithKeys(['run-1:build', 'run-1:deploy:rollback']).sort()).toEqual([runner, compensating].sort());

    const store = await openStore(testStoreLocation(mkdtempSync(join(tmpdir(), 'cairn-orphans-'))));
    try {
      expect(await stopOrphans(store, 'run-1', ['run-1:build', 'run-1:deploy:rollback'])).toBe(2);
    } finally {
      await store.close();
    }
    expect(groupIsRunning(runner)).toBe(false);
    expect(groupIsRunning(compensating)).toBe(false);
    expect(groupIsRunning(finished)).toBe(true);
    expect(groupIsRunning(otherRun)).toBe(true);
  });

  it('a key that is a prefix of another does not match it', async () => {
    const longer = await orphan('run-1:build-2');
    expect(groupsWithKeys(['run-1:build'])).not.toContain(longer);
  });
});
