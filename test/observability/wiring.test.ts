import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/app/event-stream.js';
import { createLogger, EventLog, Metrics, METRIC_NAMES } from '../../src/observability/index.js';
import { Workspace } from '../app/workspace.js';
import { parseSamples, valueOf } from './prometheus.js';

/*
 * The wiring a server does, end to end on a real Fastify instance over a real socket: the
 * logger as Fastify's, an onResponse hook timing each request by route pattern, metrics
 * and the event log subscribed to the event stream, and /metrics rendering the registry.
 */

let ws: Workspace | undefined;
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

describe('a server wired for observability', () => {
  it('times requests by route pattern, logs run events and serves /metrics', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ env: {}, destination: { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)) } });
    const workflowOf = async (runId: string) => (await cairn.getRun(runId)).workflow;
    const metrics = new Metrics({ countRuns: () => cairn.store.countRuns(), openTasks: () => cairn.openTasks(), workflowOf });
    const events = new EventLog(logger, { workflowOf });
    const stream = new EventStream(cairn.store, { pollMs: 50 });
    await stream.start();
    stream.subscribe({}, (entry) => {
      metrics.observe(entry);
      events.observe(entry);
    });

    const app = Fastify({ loggerInstance: logger });
    app.addHook('onResponse', async (request, reply) => {
      metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
    app.get('/api/v1/runs/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const run = await cairn.startRun({ file: ws.file('hello.yaml', 'name: hello\nsteps:\n  - id: greet\n    command: shell\n    parameters: { run: "echo hi" }\n') });
      await cairn.waitFor(run.id);
      await stream.settle();
      for (const id of ['a', 'b']) expect((await fetch(`${base}/api/v1/runs/${id}`)).status).toBe(200);
      expect((await fetch(`${base}/nowhere`)).status).toBe(404);

      const res = await fetch(`${base}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const samples = parseSamples(await res.text());
      expect(valueOf(samples, `${METRIC_NAMES.httpDuration}_count`, { method: 'GET', route: '/api/v1/runs/:id', status: '200' })).toBe(2);
      expect(valueOf(samples, `${METRIC_NAMES.httpDuration}_count`, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
      expect(valueOf(samples, METRIC_NAMES.runsFinished, { workflow: 'hello', outcome: 'succeeded' })).toBe(1);
      expect(valueOf(samples, `${METRIC_NAMES.stepDuration}_count`, { workflow: 'hello', command: 'shell', outcome: 'succeeded' })).toBe(1);

      const runLines = lines.filter((l) => l.runId === run.id);
      expect(runLines.map((l) => l.event)).toContain('RunFinished');
      for (const line of runLines) expect(line.workflowId).toBe('hello');
      expect(lines.some((l) => l.msg === 'request completed' && typeof l.responseTime === 'number')).toBe(true);
    } finally {
      stream.stop();
      await app.close();
    }
  });
});
