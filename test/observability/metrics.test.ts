import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Breakers } from '../../src/actions/breakers.js';
import { httpAction } from '../../src/actions/http.js';
import { EventStream } from '../../src/app/event-stream.js';
import type { Cairn } from '../../src/app/index.js';
import { prepareRun } from '../../src/app/new-run.js';
import { parseDefinition } from '../../src/definition/index.js';
import { runCreatedEvent } from '../../src/engine/state.js';
import { Metrics, METRIC_NAMES } from '../../src/observability/index.js';
import { Bulkheads } from '../../src/runtime/bulkheads.js';
import type { FeedEntry } from '../../src/store/records.js';
import { actionContext } from '../actions/context.js';
import { Workspace } from '../app/workspace.js';
import { familyNames, parseSamples, valueOf, type Sample } from './prometheus.js';

/*
 * Metrics over real runs: real workflows run by a Cairn instance on a real SQLite file,
 * their events fed from the store's feed through an EventStream (as the server does), and
 * the numbers read back from the Prometheus text that render() produces.
 */

let ws: Workspace;
let cairn: Cairn;
let stream: EventStream;
let failing: Server;
let failingUrl: string;

const OK = `
name: ok
steps:
  - id: first
    command: shell
    parameters: { run: "echo one" }
  - id: fan
    depends_on: [first]
    for_each: [1, 2]
    command: shell
    parameters: { run: "true" }
  - id: last
    depends_on: [fan]
    command: log
    parameters: { message: done }
`;

const BAD = `
name: bad
steps:
  - id: boom
    command: shell
    parameters: { run: "exit 3" }
`;

const ASK = `
name: ask
steps:
  - id: review
    command: task
    parameters: { instructions: look at it }
  - id: sign
    command: approval
    parameters: { instructions: sign off }
`;

beforeAll(async () => {
  failing = createServer((req, res) => {
    req.resume();
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
});

afterAll(async () => {
  failing.closeAllConnections();
  await new Promise((resolve) => failing.close(resolve));
});

afterEach(async () => {
  stream?.stop();
  await ws?.close();
});

async function open(): Promise<void> {
  ws = new Workspace();
  cairn = await ws.open();
  stream = new EventStream(cairn.store, { pollMs: 50 });
  await stream.start();
}

function metricsFor(extra: Partial<ConstructorParameters<typeof Metrics>[0]> = {}): Metrics {
  return new Metrics({
    countRuns: () => cairn.store.countRuns(),
    openTasks: () => cairn.openTasks(),
    workflowOf: async (runId) => (await cairn.getRun(runId)).workflow,
    onError: (err) => console.error('metrics source', err),
    ...extra,
  });
}

async function scrape(metrics: Metrics): Promise<{ samples: Sample[]; body: string; contentType: string }> {
  const { body, contentType } = await metrics.render();
  return { samples: parseSamples(body), body, contentType };
}

async function run(name: string, text: string): Promise<string> {
  const run = await cairn.startRun({ file: ws.file(name, text) });
  await cairn.waitFor(run.id);
  return run.id;
}

describe('Metrics over real runs', () => {
  it('counts runs by status and outcome and times steps by workflow, command and outcome', async () => {
    await open();
    const metrics = metricsFor();
    const seen: FeedEntry[] = [];
    stream.subscribe({}, (entry) => {
      seen.push(entry);
      metrics.observe(entry);
    });
    await run('ok.yaml', OK);
    await run('bad.yaml', BAD);
    await stream.settle();

    const { samples, contentType } = await scrape(metrics);
    expect(contentType).toMatch(/^text\/plain/);
    expect(valueOf(samples, METRIC_NAMES.runs, { status: 'succeeded' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runs, { status: 'failed' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runs, { status: 'running' })).toBe(0);
    expect(valueOf(samples, METRIC_NAMES.runsStarted, { workflow: 'ok' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runsStarted, { workflow: 'bad' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runsFinished, { workflow: 'ok', outcome: 'succeeded' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runsFinished, { workflow: 'bad', outcome: 'failed' })).toBe(1);

    const count = (labels: Record<string, string>) => valueOf(samples, `${METRIC_NAMES.stepDuration}_count`, labels);
    // first + two fan-out instances (`fan[0]`, `fan[1]` label as their step's command).
    expect(count({ workflow: 'ok', command: 'shell', outcome: 'succeeded' })).toBe(3);
    expect(count({ workflow: 'ok', command: 'log', outcome: 'succeeded' })).toBe(1);
    expect(count({ workflow: 'bad', command: 'shell', outcome: 'failed' })).toBe(1);
    expect(samples.some((s) => s.name.startsWith(METRIC_NAMES.stepDuration) && s.labels.command === 'unknown')).toBe(false);

    // The sum is exactly what the events say: StepStarted.at to StepSucceeded.at.
    const okRun = seen.find((e) => e.event.type === 'RunCreated' && e.event.data.workflowId === 'ok')?.event.runId;
    const started = new Map<string, number>();
    let expected = 0;
    for (const { event } of seen) {
      if (event.runId !== okRun) continue;
      if (event.type === 'StepStarted') started.set(event.data.step, event.at);
      // A fan-out parent (`fan`) never starts itself: its instances do.
      const begun = event.type === 'StepSucceeded' ? started.get(event.data.step) : undefined;
      if (event.type === 'StepSucceeded' && event.data.step !== 'last' && begun !== undefined) expected += event.at - begun;
    }
    expect(valueOf(samples, `${METRIC_NAMES.stepDuration}_sum`, { workflow: 'ok', command: 'shell', outcome: 'succeeded' })).toBeCloseTo(expected / 1000, 6);
  });

  it('reports queue depth and waiting tasks and approvals from the application', async () => {
    await open();
    const metrics = metricsFor();
    stream.subscribe({}, (entry) => metrics.observe(entry));
    const asking = await cairn.startRun({ file: ws.file('ask.yaml', ASK) });
    // A run nobody has picked up yet: created, queued.
    const parsed = parseDefinition(BAD, { format: 'yaml' });
    if (!parsed.workflow) throw new Error('bad workflow');
    const queued = await prepareRun(cairn.store, parsed, parsed.workflow, {}, {});
    await cairn.store.createRun(queued, [runCreatedEvent(queued)]);

    for (let i = 0; (await cairn.openTasks()).length < 2; i++) {
      if (i > 1000) throw new Error('the tasks never opened');
      await new Promise((r) => setTimeout(r, 20));
    }
    const { samples } = await scrape(metrics);
    expect(valueOf(samples, METRIC_NAMES.queueDepth)).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runs, { status: 'queued' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.runs, { status: 'waiting' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.tasksWaiting, { kind: 'task' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.tasksWaiting, { kind: 'approval' })).toBe(1);

    await cairn.complete(asking.id, 'review', { output: {}, by: 'tester' });
    await cairn.approve(asking.id, 'sign', { by: 'tester' });
    await cairn.waitFor(asking.id);
    await stream.settle();
    const after = (await scrape(metrics)).samples;
    expect(valueOf(after, METRIC_NAMES.tasksWaiting, { kind: 'task' })).toBe(0);
    expect(valueOf(after, METRIC_NAMES.tasksWaiting, { kind: 'approval' })).toBe(0);
    expect(valueOf(after, METRIC_NAMES.runsFinished, { workflow: 'ask', outcome: 'succeeded' })).toBe(1);
    // Waiting for a person is part of a task step's duration.
    expect(valueOf(after, `${METRIC_NAMES.stepDuration}_count`, { workflow: 'ask', command: 'task', outcome: 'succeeded' })).toBe(1);
    expect(valueOf(after, `${METRIC_NAMES.stepDuration}_count`, { workflow: 'ask', command: 'approval', outcome: 'succeeded' })).toBe(1);
  });

  it('counts requests and webhook deliveries, and shows breakers and bulkheads', async () => {
    await open();
    const breakers = new Breakers({ failures: 1, halfOpenAfterMs: 60_000 });
    const bulkheads = new Bulkheads({ shell: 3, http: 2 });
    const metrics = metricsFor({ breakers: () => breakers.list(), bulkheads: () => bulkheads.list() });
    const t = actionContext(httpAction.parameters.parse({ url: failingUrl }));
    t.ctx.breakers = breakers;
    await httpAction.run(t.ctx).catch(() => undefined);
    const held = await bulkheads.enter('http', new AbortController().signal);

    metrics.observeRequest('GET', '/api/v1/runs/:id', 200, 0.004);
    metrics.observeRequest('GET', '/api/v1/runs/:id', 200, 0.3);
    metrics.observeRequest('POST', '/api/v1/runs', 401, 0.001);
    metrics.observeDelivery('delivered');
    metrics.observeDelivery('delivered');
    metrics.observeDelivery('failed');

    const { samples } = await scrape(metrics);
    const latency = `${METRIC_NAMES.httpDuration}`;
    expect(valueOf(samples, `${latency}_count`, { method: 'GET', route: '/api/v1/runs/:id', status: '200' })).toBe(2);
    expect(valueOf(samples, `${latency}_bucket`, { method: 'GET', route: '/api/v1/runs/:id', status: '200', le: '0.005' })).toBe(1);
    expect(valueOf(samples, `${latency}_count`, { method: 'POST', route: '/api/v1/runs', status: '401' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.webhookDeliveries, { outcome: 'delivered' })).toBe(2);
    expect(valueOf(samples, METRIC_NAMES.webhookDeliveries, { outcome: 'failed' })).toBe(1);

    const host = new URL(failingUrl).host;
    expect(valueOf(samples, METRIC_NAMES.breakerState, { host, state: 'open' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.breakerState, { host, state: 'closed' })).toBe(0);
    expect(valueOf(samples, METRIC_NAMES.breakerState, { host, state: 'half-open' })).toBe(0);
    expect(valueOf(samples, METRIC_NAMES.breakerFailures, { host })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.bulkheadActive, { command: 'http' })).toBe(1);
    expect(valueOf(samples, METRIC_NAMES.bulkheadWaiting, { command: 'http' })).toBe(0);
    expect(valueOf(samples, METRIC_NAMES.bulkheadLimit, { command: 'shell' })).toBe(3);
    held();
  });

  it('keeps its own registry, with the default process metrics in it', async () => {
    await open();
    const a = metricsFor();
    const b = metricsFor();
    a.observeDelivery('delivered');
    const { body, samples } = await scrape(a);
    for (const name of Object.values(METRIC_NAMES)) expect(familyNames(body)).toContain(name);
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(familyNames(body)).toContain('nodejs_heap_size_total_bytes');
    expect(valueOf((await scrape(b)).samples, METRIC_NAMES.webhookDeliveries, { outcome: 'delivered' })).toBeUndefined();
    expect(register.getSingleMetric(METRIC_NAMES.runs)).toBeUndefined();
  });

  it('a failing source leaves the others readable and is reported', async () => {
    await open();
    const errors: unknown[] = [];
    const metrics = new Metrics({
      countRuns: () => Promise.reject(new Error('store closed')),
      openTasks: () => cairn.openTasks(),
      onError: (err) => errors.push(err),
    });
    const { samples } = await scrape(metrics);
    expect(valueOf(samples, METRIC_NAMES.tasksWaiting, { kind: 'task' })).toBe(0);
    expect(errors.map((e) => (e as Error).message)).toEqual(['store closed', 'store closed']);
  });

  it('labels steps `unknown` when it cannot learn the workflow, and skips attempts it did not see start', async () => {
    await open();
    const metrics = new Metrics({ countRuns: () => cairn.store.countRuns() });
    const id = await run('ok.yaml', OK);
    const events = await cairn.store.readFeed({ after: 0, limit: 1000 });
    // Start listening in the middle of the run: after the first StepStarted.
    const firstStart = events.findIndex((e) => e.event.type === 'StepStarted');
    for (const entry of events.slice(firstStart + 1)) metrics.observe(entry);
    const { samples } = await scrape(metrics);
    expect(events.every((e) => e.event.runId === id)).toBe(true);
    expect(valueOf(samples, `${METRIC_NAMES.stepDuration}_count`, { workflow: 'unknown', command: 'unknown', outcome: 'succeeded' })).toBe(3);
    expect(valueOf(samples, METRIC_NAMES.runsFinished, { workflow: 'unknown', outcome: 'succeeded' })).toBe(1);
  });
});
