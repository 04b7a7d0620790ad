import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { taskId } from '../../src/store/step-tasks.js';
import { createTestDatabase, type TestDatabase } from '../store/postgres-database.js';
import { Member, startNode, startWorker, until, workspace, writeFile } from './harness.js';

/**
 * The cluster on a real PostgreSQL server, with real processes (docs/cluster.md): workers
 * killed and paused mid-step, two engine nodes and three workers sharing thousands of
 * steps, cron and locks across nodes.
 */
describe('cluster on PostgreSQL', () => {
  let database: TestDatabase;
  const members: Member[] = [];
  const opened: Cairn[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop()));
    for (const c of opened.splice(0)) await c.close();
    await database.reset();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function engine(dir: string): Promise<Cairn> {
    const cairn = await Cairn.open({ db: database.url, cwd: dir, onError: (e) => console.error('engine error', e) });
    opened.push(cairn);
    return cairn;
  }
  const worker = (dir: string, flags: string[] = []) => {
    const m = startWorker(database.url, dir, flags);
    members.push(m);
    return m;
  };
  const node = async (dir: string, flags: string[] = []) => {
    const started = await startNode(database.url, dir, flags);
    members.push(started.node);
    return started;
  };

  const slowStep = (seconds: number) =>
    ['name: slow', 'steps:', '  - id: work', '    command: shell', '    runs_on: [slow]', `    parameters: {run: "sleep ${seconds}; echo by=$CAIRN_WORKER_ID >> $CAIRN_OUTPUT"}`].join('\n');

  it('SIGKILL a worker holding a step: another worker completes it as attempt 2, and the run finishes', async () => {
    const dir = workspace();
    const cairn = await engine(dir);
    const first = worker(dir, ['--labels', 'slow']);
    await first.waitFor(/ready/);
    const run = await cairn.startRun({ file: writeFile(dir, 'slow.yaml', slowStep(1)) });
    await first.waitFor(/started \S+ work \(attempt 1/, 'the first worker to take the step');
    first.signal('SIGKILL');
    await first.exited;
    const second = worker(dir, ['--labels', 'slow']);
    const [, secondId] = await second.waitFor(/worker: (\S+) ready/);
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    const step = (await cairn.getRun(run.id)).steps.find((s) => s.key === 'work');
    expect(step?.attempts).toBe(2);
    expect(step?.outputs).toMatchObject({ by: secondId });
    const events = await cairn.runEvents(run.id);
    expect(events.find((e) => e.type === 'StepInterrupted')?.data).toMatchObject({ step: 'work', attempt: 1 });
  });

  it('SIGSTOP a worker past its lease: another completes the step; after SIGCONT its late result is refused', async () => {
    const dir = workspace();
    const cairn = await engine(dir);
    const paused = worker(dir, ['--labels', 'slow']);
    const [, pausedId] = await paused.waitFor(/worker: (\S+) ready/);
    const run = await cairn.startRun({ file: writeFile(dir, 'slow.yaml', slowStep(1.5)) });
    await paused.waitFor(/started \S+ work \(attempt 1/, 'the first worker to take the step');
    paused.signal('SIGSTOP');
    const other = worker(dir, ['--labels', 'slow']);
    const [, otherId] = await other.waitFor(/worker: (\S+) ready/);
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    paused.signal('SIGCONT');
    // Its step's process ended while it was stopped: it reports, and the store says no.
    await paused.waitFor(/result of \S+ work \(attempt 1, shell\) refused/, 'the late result to be refused');
    const store = await openPostgresStore(database.url);
    try {
      const [late] = await store.getTasks([taskId(run.id, 'work', 1)]);
      expect(late).toMatchObject({ status: 'lost', workerId: pausedId });
      expect(late?.result).toBeUndefined();
      expect((await store.getTasks([taskId(run.id, 'work', 2)]))[0]).toMatchObject({ status: 'done', workerId: otherId });
    } finally {
      await store.close();
    }
    const step = (await cairn.getRun(run.id)).steps.find((s) => s.key === 'work');
    expect(step).toMatchObject({ attempts: 2, outputs: { by: otherId } });
  });

  it('2 nodes and 3 workers run 5,000 steps that append to a ledger: each step exactly once', async () => {
    const hits = new Map<string, number>();
    let total = 0;
    const ledger: Server = createServer((req, res) => {
      const key = String(req.headers['idempotency-key']);
      req.resume();
      req.on('end', () => {
        hits.set(key, (hits.get(key) ?? 0) + 1);
        total++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => ledger.listen(0, '127.0.0.1', r));
    try {
      const port = (ledger.address() as { port: number }).port;
      const dir = workspace();
      writeFile(
        dir,
        'ledger.yaml',
        [
          'name: ledger',
          'parameters: {count: {type: integer, default: 250}}',
          'runs_on: [ledger]',
          'steps:',
          '  - id: append',
          '    command: http',
          '    for_each: "${{ [1..parameters.count] }}"',
          '    max_parallel: 50',
          `    parameters: {url: "http://127.0.0.1:${port}/append", method: POST, body: {item: "\${{ item }}"}}`,
        ].join('\n'),
      );
      const keys = await engine(dir);
      const { key } = await keys.keys.create({ role: 'operator', name: 'ledger-test' });
      const nodes = [await node(dir, ['--workflows', dir]), await node(dir, ['--workflows', dir])];
      // The default lease (5 s): this case is about nothing failing, not about lost leases.
      for (let i = 0; i < 3; i++) worker(dir, ['--labels', 'ledger,linux', '--concurrency', '8', '--quiet', '--lease', '5']);
      const started: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${nodes[i % 2]!.url}/api/v1/workflows/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ workflow_id: 'ledger', parameters: { count: 250 } }),
        });
        expect(res.status).toBe(202);
        started.push(((await res.json()) as { execution_id: string }).execution_id);
      }
      await until(
        async () => {
          const runs = await keys.listRuns({ limit: 100 });
          const mine = runs.filter((r) => started.includes(r.id));
          const ended = mine.find((r) => r.status === 'failed' || r.status === 'cancelled');
          if (ended) {
            const failed = (await keys.getRun(ended.id)).steps.filter((s) => s.status === 'failed').map((s) => `${s.key}: ${s.error?.code} ${s.error?.message}`);
            throw new Error(`run ${ended.id} ${ended.status} after ${total} ledger entries: ${failed.slice(0, 3).join('; ')}`);
          }
          return mine.length === 20 && mine.every((r) => r.status === 'succeeded') ? true : undefined;
        },
        'the 20 runs to succeed',
        240_000,
      );
      const twice = [...hits].filter(([, n]) => n > 1).map(([k]) => k);
      if (twice.length > 0) {
        const store = await openPostgresStore(database.url);
        const tasks = await store.listTasks({ status: ['done', 'lost', 'cancelled'], limit: 100_000 });
        const events = await Promise.all(started.slice(0, 20).map((id) => keys.runEvents(id)));
        await store.close();
        const info = twice.slice(0, 3).map((k) => JSON.stringify(tasks.filter((t) => t.idempotencyKey === k).map((t) => [t.attempt, t.status, t.workerId?.slice(0, 4)])));
        const interrupted = events.flat().filter((e) => e.type === 'StepInterrupted').length;
        throw new Error(`${twice.length} steps ran twice, e.g. ${info.join(' ')}; ${interrupted} interruptions`);
      }
      expect(total).toBe(5000);
      expect(hits.size).toBe(5000);
      expect([...hits.values()].every((n) => n === 1)).toBe(true);
      // Work was shared: every worker ran steps.
      const nodesSeen = await keys.nodes();
      expect(nodesSeen.filter((n) => n.kind === 'worker' && n.alive)).toHaveLength(3);
      expect(nodesSeen.filter((n) => n.kind === 'engine' && n.alive).length).toBeGreaterThanOrEqual(2);
    } finally {
      await new Promise((r) => ledger.close(r));
    }
  }, 300_000);

  it('cron with 2 nodes fires once per tick', async () => {
    const dir = workspace();
    writeFile(dir, 'tick.yaml', ['name: tick', 'triggers: [{cron: "* * * * * *"}]', 'steps:', '  - id: t', '    command: log', '    parameters: {message: tick}'].join('\n'));
    const a = await node(dir, ['--workflows', dir]);
    const b = await node(dir, ['--workflows', dir]);
    const cairn = await engine(dir);
    await until(async () => ((await cairn.listRuns({ workflowId: 'tick' })).length >= 4 ? true : undefined), 'four ticks');
    await Promise.all([a.node.stop(), b.node.stop()]);
    const runs = await cairn.listRuns({ workflowId: 'tick', limit: 1000 });
    const store = await openPostgresStore(database.url);
    try {
      const keys = await Promise.all(runs.map((r) => store.getStartKey(r.id)));
      // One run per fire time, though both nodes scheduled every fire.
      const fires = keys.map((k) => Number(/^cron:tick:0:(\d+)$/.exec(k ?? '')?.[1]));
      expect(fires.every((ms) => Number.isInteger(ms) && ms % 1000 === 0)).toBe(true);
      expect(new Set(fires).size).toBe(runs.length);
      expect(a.node.stderr + b.node.stderr).not.toMatch(/error/i);
    } finally {
      await store.close();
    }
  });

  it('a lock is held by one step at a time across 2 nodes', async () => {
    const dir = workspace();
    const journal = `${dir}/journal`;
    writeFile(
      dir,
      'locked.yaml',
      ['name: locked', 'steps:', '  - id: critical', '    command: shell', '    locks: [db]', `    parameters: {run: "echo start >> ${journal}; sleep 0.3; echo end >> ${journal}"}`].join('\n'),
    );
    const keys = await engine(dir);
    const { key } = await keys.keys.create({ role: 'operator', name: 'lock-test' });
    const nodes = [await node(dir, ['--workflows', dir]), await node(dir, ['--workflows', dir])];
    const ids = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const res = await fetch(`${nodes[i % 2]!.url}/api/v1/workflows/execute`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ workflow_id: 'locked' }),
        });
        return ((await res.json()) as { execution_id: string }).execution_id;
      }),
    );
    await until(async () => {
      const runs = await Promise.all(ids.map((id) => keys.getRun(id)));
      return runs.every((r) => r.run.status === 'succeeded') ? true : undefined;
    }, 'the six runs to succeed');
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(lines).toStrictEqual(Array.from({ length: 6 }, () => ['start', 'end']).flat());
  });
});
