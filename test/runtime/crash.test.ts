import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { onPostgres, testStoreLocation } from '../store/test-store.js';

const RUNS = 20;
const STEPS = 10;
const KILLS = 12;

/** A seeded PRNG so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function workflowYaml(ledger: string): string {
  const steps: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    // Steps 1..9 depend on one earlier step: a mix of chains and parallel branches.
    const deps = i === 0 ? '' : `\n    depends_on: [s${Math.floor((i - 1) / 2)}]`;
    steps.push(`  - id: s${i}
    command: shell${deps}
    parameters:
      env: { LEDGER: "${ledger}" }
      run: |
        sleep 0.0$((RANDOM % 5))
        printf '%s,%s,%s\\n' "$CAIRN_RUN_ID" "$CAIRN_STEP" "$CAIRN_ATTEMPT" >> "$LEDGER"`);
  }
  return `name: crashy\nparameters:\n  n: { type: integer, default: 0 }\nsteps:\n${steps.join('\n')}\n`;
}

function startDriver(db: string, file: string): ChildProcess {
  const driver = new URL('./fixtures/crash-driver.mjs', import.meta.url).pathname;
  return spawn(process.execPath, [driver, db, file, String(RUNS)], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('crash recovery (SIGKILL at random moments)', () => {
  it('finishes every run with each completed step recorded exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-crash-'));
    const db = testStoreLocation(dir);
    const ledger = join(dir, 'ledger.csv');
    const file = join(dir, 'crashy.yaml');
    writeFileSync(file, workflowYaml(ledger));
    writeFileSync(ledger, '');
    const random = prng(Number(process.env.CAIRN_CRASH_SEED ?? 42));
    let stderr = '';
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startDriver(db, file);
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise((r) => setTimeout(r, 150 + random() * 600));
      child.kill('SIGKILL');
      await exited(child);
    }
    // Let the last driver finish everything.
    const last = startDriver(db, file);
    last.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await exited(last);
    expect(stderr).not.toMatch(/driver error/);
    expect(code).toBe(0);

    const lines = readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean);
    const entries = new Map<string, number[]>();
    for (const line of lines) {
      const [run, step, attempt] = line.split(',');
      const key = `${run},${step}`;
      entries.set(key, [...(entries.get(key) ?? []), Number(attempt)]);
    }
    const cairn = await Cairn.open({ db });
    try {
      const runs = await cairn.listRuns({ limit: 100 });
      expect(runs).toHaveLength(RUNS);
      let interruptedSteps = 0;
      for (const run of runs) {
        expect(run.status).toBe('succeeded');
        const events = await cairn.store.readEvents(run.id);
        events.forEach((e, i) => expect(e.seq).toBe(i + 1));
        const steps = await cairn.store.getSteps(run.id);
        expect(steps).toHaveLength(STEPS);
        for (const st of steps) {
          expect(st.status).toBe('succeeded');
          const attempts = entries.get(`${run.id},${st.key}`) ?? [];
          // The attempt that succeeded wrote its line exactly once.
          expect(attempts.filter((a) => a === st.attempts)).toHaveLength(1);
          // Every other line belongs to an earlier attempt that a kill interrupted: a step
          // in flight at one kill appears at most twice, and never without a recorded
          // interruption (no stray or concurrent run of a finished step).
          const interruptions = events.filter((e) => e.type === 'StepInterrupted' && e.data.step === st.key).length;
          expect(attempts.length).toBeLessThanOrEqual(1 + interruptions);
          expect(attempts.every((a) => a <= st.attempts)).toBe(true);
          expect(new Set(attempts).size).toBe(attempts.length);
          if (interruptions > 0) interruptedSteps++;
        }
      }
      // Lines for steps that do not exist would mean a stray process.
      expect([...entries.keys()].every((k) => runs.some((r) => k.startsWith(`${r.id},`)))).toBe(true);
      console.log(`crash test: ${KILLS} kills, ${lines.length} ledger lines, ${interruptedSteps} steps re-run after a kill`);
    } finally {
      await cairn.close();
    }
    // The SQLite file is still there (a PostgreSQL store has no file).
    if (!onPostgres) expect(existsSync(db)).toBe(true);
  }, 180_000);
});
