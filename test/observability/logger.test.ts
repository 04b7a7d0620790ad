import Fastify from 'fastify';
import type { DestinationStream } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cairn } from '../../src/app/index.js';
import { createLogger, EventLog } from '../../src/observability/index.js';
import type { FeedEntry } from '../../src/store/records.js';
import { Workspace } from '../app/workspace.js';

/** A destination that keeps every line pino writes, parsed. */
function capture(): { destination: DestinationStream; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { destination, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with a level name and an ISO time', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ destination, env: {}, name: 'cairn' });
    logger.info({ port: 8900 }, 'listening');
    logger.debug('not at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'listening', port: 8900, name: 'cairn' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('takes the level from the options, else CAIRN_LOG_LEVEL, else info', () => {
    const a = capture();
    createLogger({ destination: a.destination, env: { CAIRN_LOG_LEVEL: 'warn' } }).info('hidden');
    expect(a.lines).toHaveLength(0);
    const b = capture();
    createLogger({ destination: b.destination, env: { CAIRN_LOG_LEVEL: 'warn' }, level: 'debug' }).debug('shown');
    expect(b.lines).toHaveLength(1);
    expect(createLogger({ destination: b.destination, env: { CAIRN_LOG_LEVEL: '' } }).level).toBe('info');
  });

  it('refuses an unknown level, naming where it came from', () => {
    const { destination } = capture();
    expect(() => createLogger({ destination, env: { CAIRN_LOG_LEVEL: 'verbose' } })).toThrow(
      "CAIRN_LOG_LEVEL: 'verbose' is not a log level; use one of fatal, error, warn, info, debug, trace, silent",
    );
    expect(() => createLogger({ destination, level: 'loud' })).toThrow("log level: 'loud' is not a log level");
  });

  it('redacts authorization headers and secrets', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ destination, env: {} });
    logger.info(
      {
        req: { method: 'GET', headers: { authorization: 'Bearer cairn_k_abc', cookie: 'session=1', 'x-api-key': 'k1', accept: 'json' } },
        headers: { Authorization: 'kept: pino paths are case-sensitive', authorization: 'Basic dXNlcjpwYXNz' },
        webhook: { url: 'https://example.test', secret: 'whsec_abc' },
        secret: 'top',
        password: 'p',
        token: 't',
      },
      'request',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of ['cairn_k_abc', 'session=1', 'k1', 'dXNlcjpwYXNz', 'whsec_abc', '"top"', '"p"', '"t"']) expect(line).not.toContain(secret);
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', accept: 'json' } }, webhook: { url: 'https://example.test', secret: '[redacted]' } });
  });

  it('serves as Fastify’s logger: request lines share the stream and format', async () => {
    const { destination, lines } = capture();
    const app = Fastify({ loggerInstance: createLogger({ destination, env: {} }) });
    app.get('/healthz', async () => ({ ok: true }));
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer secret-key' } });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(lines.some((l) => l.msg === 'incoming request' && l.level === 'info' && typeof l.reqId === 'string')).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('secret-key');
  });
});

describe('EventLog over real runs', () => {
  let ws: Workspace | undefined;
  let cairn: Cairn;
  afterEach(async () => {
    await ws?.close();
    ws = undefined;
  });

  const FLOW = `
name: deploy
steps:
  - id: build
    command: shell
    parameters:
      env: { TOKEN: hunter2-secret }
      run: echo "$TOKEN"
  - id: ship
    depends_on: [build]
    command: shell
    retry: { max_attempts: 2, initial_delay: 10ms, jitter: 0 }
    parameters: { run: "exit 4" }
`;

  async function runFlow(): Promise<{ runId: string; events: FeedEntry[] }> {
    ws = new Workspace();
    cairn = await ws.open();
    const run = await cairn.startRun({ file: ws.file('deploy.yaml', FLOW) });
    await cairn.waitFor(run.id);
    return { runId: run.id, events: await cairn.store.readFeed({ after: 0, limit: 1000 }) };
  }

  it('writes one line per event, each with the run, step and workflow ids and the event type', async () => {
    const { runId, events } = await runFlow();
    const { destination, lines } = capture();
    const log = new EventLog(createLogger({ destination, env: {} }));
    for (const entry of events) log.observe(entry);

    expect(lines).toHaveLength(events.length);
    expect(lines.map((l) => l.event)).toEqual(events.map((e) => e.event.type));
    for (const [i, line] of lines.entries()) {
      expect(line).toMatchObject({ runId, workflowId: 'deploy', seq: events[i]?.event.seq, cursor: events[i]?.cursor });
      const data = events[i]?.event.data as { step?: string; attempt?: number };
      if (data.step !== undefined) expect(line.step).toBe(data.step);
      if (data.attempt !== undefined) expect(line.attempt).toBe(data.attempt);
    }
    const failed = lines.filter((l) => l.event === 'StepFailed');
    expect(failed.map((l) => [l.step, l.attempt, l.willRetry, l.level])).toEqual([
      ['ship', 1, true, 'warn'],
      ['ship', 2, false, 'warn'],
    ]);
    expect(failed[0]).toMatchObject({ error: { code: 'EXIT_CODE' }, msg: 'step ship failed: EXIT_CODE (will retry)' });
    expect(lines.find((l) => l.event === 'StepRetryScheduled')).toMatchObject({ step: 'ship', attempt: 2, delayMs: 10 });
    expect(lines.at(-1)).toMatchObject({ event: 'RunFinished', status: 'failed', level: 'error', msg: 'run failed' });
    // Parameters and outputs stay out of the log.
    expect(JSON.stringify(lines)).not.toContain('hunter2-secret');
  });

  it('learns the workflow of a run it did not see created, for the lines that follow', async () => {
    const { runId, events } = await runFlow();
    const { destination, lines } = capture();
    const asked: string[] = [];
    let answered: Promise<unknown> = Promise.resolve();
    const log = new EventLog(createLogger({ destination, env: {} }), {
      workflowOf: (id) => {
        asked.push(id);
        const answer = cairn.getRun(id).then((view) => view.workflow);
        answered = answer;
        return answer;
      },
    });
    const later = events.filter((e) => e.event.type !== 'RunCreated');
    const first = later[0];
    if (!first) throw new Error('no events');
    log.observe(first);
    await answered;
    await new Promise((r) => setImmediate(r));
    for (const entry of later.slice(1)) log.observe(entry);
    expect(asked).toEqual([runId]);
    expect(lines[0]).not.toHaveProperty('workflowId');
    expect(lines[0]?.runId).toBe(runId);
    for (const line of lines.slice(1)) expect(line.workflowId).toBe('deploy');
  });
});
