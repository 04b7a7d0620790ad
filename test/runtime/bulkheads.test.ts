import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionFailure } from '../../src/actions/action.js';
import { Bulkheads } from '../../src/runtime/bulkheads.js';
import { Harness, until } from '../observability/harness.js';

/*
 * Bulkheads: per-command concurrency limits of one process. The end-to-end cases run real
 * shell steps that write `start`/`end` marks with nanosecond clocks to a ledger; the
 * assertions count overlapping sections in it, never how long anything took.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Mark {
  kind: 'start' | 'end';
  at: bigint;
  step: string;
}

function readLedger(path: string): Mark[] {
  const marks = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, at, step] = line.split(' ');
      return { kind: kind as Mark['kind'], at: BigInt(at ?? '0'), step: step ?? '' };
    });
  // At one instant an end sorts before a start: touching sections do not overlap.
  return marks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === 'end' ? -1 : 1));
}

function maxOverlap(marks: Mark[]): number {
  let open = 0;
  let max = 0;
  for (const m of marks) {
    open += m.kind === 'start' ? 1 : -1;
    max = Math.max(max, open);
  }
  return max;
}

/** `count` independent shell steps that mark their section in `ledger`. */
function parallelSteps(ledger: string, count: number, body = 'sleep 0.2'): string {
  const steps = Array.from(
    { length: count },
    (_, i) => `
  - id: s${i}
    command: shell
    parameters:
      env: { LEDGER: "${ledger}" }
      run: |
        echo "start $(date +%s%N) $CAIRN_STEP" >> "$LEDGER"
        ${body}
        echo "end $(date +%s%N) $CAIRN_STEP" >> "$LEDGER"`,
  ).join('');
  return `name: fan\nmax_parallel: ${count}\nsteps:${steps}\n`;
}

describe('Bulkheads', () => {
  it('admits up to the limit, queues the rest in order, and hands each freed slot on', async () => {
    const bulkheads = new Bulkheads({ shell: 2 });
    const signal = new AbortController().signal;
    const admitted: string[] = [];
    const leave = new Map<string, () => void>();
    const enter = (name: string) =>
      bulkheads.enter('shell', signal).then((release) => {
        admitted.push(name);
        leave.set(name, release);
      });
    const all = ['a', 'b', 'c', 'd', 'e'].map(enter);
    await until(() => admitted.length === 2, 'two admitted');
    expect(bulkheads.list()).toEqual([{ command: 'shell', limit: 2, active: 2, waiting: 3 }]);
    leave.get('a')?.();
    leave.get('a')?.(); // a second release gives back nothing more
    await until(() => admitted.length === 3, 'c admitted');
    expect(admitted).toEqual(['a', 'b', 'c']);
    expect(bulkheads.list()[0]).toMatchObject({ active: 2, waiting: 2 });
    leave.get('b')?.();
    await until(() => admitted.length === 4, 'd admitted');
    leave.get('c')?.();
    await until(() => admitted.length === 5, 'e admitted');
    leave.get('d')?.();
    await Promise.all(all);
    expect(admitted).toEqual(['a', 'b', 'c', 'd', 'e']);
    leave.get('e')?.();
    expect(bulkheads.list()[0]).toMatchObject({ active: 0, waiting: 0 });
  });

  it('lets unlimited commands through at once', async () => {
    const bulkheads = new Bulkheads({ shell: 1 });
    const signal = new AbortController().signal;
    const releases = await Promise.all(Array.from({ length: 10 }, () => bulkheads.enter('http', signal)));
    expect(releases).toHaveLength(10);
    expect(bulkheads.list()).toEqual([{ command: 'shell', limit: 1, active: 0, waiting: 0 }]);
  });

  it('drops an aborted waiter from the queue with an ABORTED failure, holding nothing', async () => {
    const bulkheads = new Bulkheads({ http: 1 });
    const first = await bulkheads.enter('http', new AbortController().signal);
    const controller = new AbortController();
    const told: number[] = [];
    const waiting = bulkheads.enter('http', controller.signal, (state) => told.push(state.waiting));
    await until(() => bulkheads.list()[0]?.waiting === 1, 'a waiter');
    expect(told).toEqual([0]);
    controller.abort(new Error('cancelled by test'));
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionFailure);
    expect((error as ActionFailure).code).toBe('ABORTED');
    expect(bulkheads.list()[0]).toMatchObject({ active: 1, waiting: 0 });
    first();
    expect(bulkheads.list()[0]).toMatchObject({ active: 0, waiting: 0 });
  });

  it('refuses a limit that is not a whole number >= 1, naming the command', () => {
    expect(() => new Bulkheads({ shell: 0 })).toThrow('concurrency.shell must be a whole number >= 1, got 0');
    expect(() => new Bulkheads({ http: 1.5 })).toThrow('concurrency.http');
  });
});

describe('bulkheads in the runtime', () => {
  it('6 parallel shell steps with `shell: 2` never run more than 2 at once, and all succeed', async () => {
    h = await Harness.open({ concurrency: { shell: 2 } });
    const ledger = join(h.dir, 'ledger');
    writeFileSync(ledger, '');
    const run = await h.start('fan.yaml', parallelSteps(ledger, 6));
    // Steps beyond the limit wait, and say so in their log.
    await until(() => (h?.runtime.bulkheads.list()[0]?.waiting ?? 0) > 0, 'a step waiting for a slot');
    const final = await h.runtime.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const marks = readLedger(ledger);
    expect(marks.filter((m) => m.kind === 'start')).toHaveLength(6);
    expect(marks.filter((m) => m.kind === 'end')).toHaveLength(6);
    expect(maxOverlap(marks)).toBeLessThanOrEqual(2);
    expect(maxOverlap(marks)).toBeGreaterThanOrEqual(1);
    const logs = await h.store.readLogs(run.id);
    expect(logs.some((l) => l.stream === 'system' && /waiting for a shell slot \(2 of 2 in use/.test(l.line))).toBe(true);
    expect(h.runtime.bulkheads.list()).toEqual([{ command: 'shell', limit: 2, active: 0, waiting: 0 }]);
  });

  it('a limit of 1 runs the steps of two runs one at a time', async () => {
    h = await Harness.open({ concurrency: { shell: 1 } });
    const ledger = join(h.dir, 'ledger');
    writeFileSync(ledger, '');
    const text = parallelSteps(ledger, 3, 'sleep 0.05');
    const runs = await Promise.all([h.start('a.yaml', text), h.start('b.yaml', text)]);
    for (const run of runs) expect((await h.runtime.waitFor(run.id))?.status).toBe('succeeded');
    const marks = readLedger(ledger);
    expect(marks.filter((m) => m.kind === 'start')).toHaveLength(6);
    expect(maxOverlap(marks)).toBe(1);
  });

  it('cancelling a run takes its waiting steps out of the queue', async () => {
    h = await Harness.open({ concurrency: { shell: 1 } });
    const ledger = join(h.dir, 'ledger');
    writeFileSync(ledger, '');
    const run = await h.start('slow.yaml', parallelSteps(ledger, 3, 'sleep 30'));
    await until(() => h?.runtime.bulkheads.list()[0]?.waiting === 2, 'two steps waiting');
    // The slot holder's script must be under way, or the cancel could stop it before its
    // first line and the ledger would say nothing started.
    await until(() => readLedger(ledger).some((m) => m.kind === 'start'), 'the first step running');
    h.runtime.submit(run.id, { type: 'cancel', reason: 'test' });
    const final = await h.runtime.waitFor(run.id);
    expect(final?.status).toBe('cancelled');
    await until(() => h?.runtime.bulkheads.list()[0]?.active === 0, 'the slot given back');
    expect(h.runtime.bulkheads.list()[0]).toMatchObject({ active: 0, waiting: 0 });
    // Only the step that held the slot ever started.
    expect(readLedger(ledger).filter((m) => m.kind === 'start')).toHaveLength(1);
  });
});
