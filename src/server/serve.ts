import type { Logger } from 'pino';
import { Cairn, CairnError, formatDiagnostic, type IssuedKey, type LoadReport } from '../app/index.js';
import { EventLog, Metrics } from '../app/observability.js';
import { observabilityRoutes } from './routes/observability.js';
import { webhookRoutes } from './routes/webhooks.js';
import { hookRoutes } from './routes/hooks.js';
import { dashboardDir } from './dashboard.js';
import { mcpRoutes } from './mcp-endpoint.js';
import { portFree, portHolder } from './port-holder.js';
import { route, type AnyRoute } from './route.js';
import { buildApi, type ApiOptions } from './server.js';

/** Each setting: the option given here, else cairn.yaml's `server:`, else the default. */
export interface ServeOptions {
  host?: string;
  port?: number;
  version: string;
  /** Load (and watch) the definitions in this folder. */
  workflowsDir?: string;
  db?: string;
  config?: string;
  cwd?: string;
  corsOrigins?: string[];
  bodyLimitBytes?: number;
  /** WebSocket clients of /api/v1/events at once (default 1,000). */
  maxWebsocketClients?: number;
  rateLimit?: ApiOptions['rateLimit'];
  failedAuth?: ApiOptions['failedAuth'];
  /** Webhooks may target these private addresses (or all, with true): tests and closed networks. */
  allowPrivateWebhooks?: boolean | string[];
  /** How long running steps may take to finish after SIGTERM before they are left to recovery. */
  shutdownGraceMs?: number;
  logger?: Logger;
  /** The built dashboard's folder (found beside the package when not given); false serves none. */
  dashboard?: string | false;
  /** Where the one-time admin key and start-up facts are printed. */
  print(line: string): void;
}

export interface RunningServer {
  url: string;
  /** Where the dashboard is served (the root URL), or undefined when it is not built or is turned off. */
  dashboardUrl?: string;
  cairn: Cairn;
  /** The admin key created on first start, if this start created it. */
  adminKey?: IssuedKey;
  /** Stop taking work, let running steps finish up to the grace period, close. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * `cairn serve`: checks the port, opens the store, makes sure a key exists, carries on
 * with runs left in flight, loads definitions, then listens.
 */
export async function serve(given: ServeOptions): Promise<RunningServer> {
  const cairn = await Cairn.open({
    ...(given.db ? { db: given.db } : {}),
    ...(given.config ? { config: given.config } : {}),
    ...(given.cwd ? { cwd: given.cwd } : {}),
    version: given.version,
    onError: (err) => given.logger?.error({ err }, 'runtime error'),
  });
  const configured = cairn.config.server;
  const pick = <K extends keyof ServeOptions & keyof typeof configured>(key: K) => given[key] ?? configured[key];
  const workflowsDir = given.workflowsDir ?? configured.workflows;
  const corsOrigins = pick('corsOrigins');
  const bodyLimitBytes = pick('bodyLimitBytes');
  const maxWebsocketClients = pick('maxWebsocketClients');
  const rateLimit = pick('rateLimit');
  const failedAuth = pick('failedAuth');
  const shutdownGraceMs = pick('shutdownGraceMs');
  const allowPrivateWebhooks = pick('allowPrivateWebhooks');
  const opts: ServeOptions & { host: string; port: number } = {
    ...given,
    host: pick('host') ?? '127.0.0.1',
    port: pick('port') ?? 8900,
    ...(workflowsDir !== undefined ? { workflowsDir } : {}),
    ...(corsOrigins !== undefined ? { corsOrigins } : {}),
    ...(bodyLimitBytes !== undefined ? { bodyLimitBytes } : {}),
    ...(maxWebsocketClients !== undefined ? { maxWebsocketClients } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(failedAuth !== undefined ? { failedAuth } : {}),
    ...(shutdownGraceMs !== undefined ? { shutdownGraceMs } : {}),
    ...(allowPrivateWebhooks !== undefined ? { allowPrivateWebhooks } : {}),
  };
  if (!(await portFree(opts.host, opts.port))) {
    await cairn.close();
    const holder = await portHolder(opts.port);
    const who = holder ? `process ${holder.pid} (${holder.command})` : 'another process';
    throw new CairnError('PORT_IN_USE', `port ${opts.port} on ${opts.host} is already in use by ${who}: stop it, or pick another port with --port`, {
      port: opts.port,
      ...(holder ? { pid: holder.pid, command: holder.command } : {}),
    });
  }
  let adminKey: IssuedKey | undefined;
  let draining = false;
  const stops: Array<() => void | Promise<void>> = [];
  try {
    if (!(await cairn.keys.any())) {
      if (!LOOPBACK.test(opts.host)) {
        throw new CairnError('NOT_ALLOWED', `refusing to listen on ${opts.host} with no API key: create one first with \`cairn keys create --role admin\`, or listen on 127.0.0.1`);
      }
      adminKey = await cairn.keys.create({ role: 'admin', name: 'admin', by: 'cairn serve (first start)' });
      opts.print(`Created the first API key (admin). It is shown only this once; keep it:\n\n  ${adminKey.key}\n`);
    }
    await cairn.resume();
    const stream = await cairn.events();
    stops.push(() => stream.stop());
    const metrics = new Metrics({
      countRuns: () => cairn.countRuns(),
      openTasks: () => cairn.openTasks(),
      breakers: () => cairn.breakers(),
      bulkheads: () => cairn.bulkheads(),
      workflowOf: (id) => cairn.workflowOf(id),
      onError: (err) => opts.logger?.warn({ err }, 'a metrics source failed'),
    });
    const eventLog = opts.logger ? new EventLog(opts.logger, { workflowOf: (id) => cairn.workflowOf(id) }) : undefined;
    stops.push(
      stream.subscribe({}, (entry) => {
        metrics.observe(entry);
        eventLog?.observe(entry);
      }),
    );
    const webhooks = cairn.webhooks({
      allowPrivate: opts.allowPrivateWebhooks ?? false,
      onAttempt: (attempt) => metrics.observeDelivery(attempt.outcome),
      onError: (err) => opts.logger?.error({ err }, 'webhooks'),
    });
    await webhooks.start(stream);
    stops.push(() => webhooks.stop());
    const triggers = cairn.triggers({
      onFire: (fire, result) => opts.logger?.info({ ...fire, runId: (result as { run?: { id: string } } | undefined)?.run?.id }, 'cron trigger fired'),
      onError: (err, where) => opts.logger?.error({ err, ...where }, 'triggers'),
    });
    if (opts.workflowsDir) {
      const dir = opts.workflowsDir;
      reportLoad(await cairn.catalog.loadDirectory(dir), opts);
      stops.push(
        cairn.catalog.watch(
          dir,
          (report) => {
            reportLoad(report, opts);
            void triggers.reload();
          },
          (err) => opts.logger?.error({ err }, `watching ${dir} failed`),
        ),
      );
    }
    await triggers.start();
    stops.push(() => triggers.stop());
    // Retention (`retention:` in cairn.yaml): the store stays bounded while the server runs.
    cairn.retention.start((report) => {
      if (report.runs + report.logs + report.audit > 0) opts.logger?.info({ runs: report.runs, logs: report.logs, audit: report.audit, cutoffs: report.cutoffs }, 'retention sweep');
    });
    stops.push(() => cairn.retention.stop());
    const health: AnyRoute[] = [
      route({ method: 'GET', path: '/healthz', root: true, access: 'public', summary: 'The process answers', tags: ['system'], operationId: 'health', handler: async () => ({ status: 'ok' }) }),
      route({
        method: 'GET',
        path: '/readyz',
        root: true,
        access: 'public',
        summary: 'Ready for work: the store answers and the server is not shutting down (503 otherwise)',
        tags: ['system'],
        operationId: 'ready',
        handler: async ({ reply }) => {
          if (draining) return reply.code(503).send({ status: 'draining' });
          await cairn.countRuns();
          return { status: 'ready' };
        },
      }),
    ];
    const web = opts.dashboard === false ? undefined : (opts.dashboard ?? dashboardDir());
    const { app } = await buildApi(cairn, {
      version: opts.version,
      extraRoutes: [
        ...health,
        ...webhookRoutes(webhooks),
        ...hookRoutes(triggers),
        ...observabilityRoutes(cairn, metrics),
        // MCP over Streamable HTTP at /mcp (docs/mcp.md).
        ...mcpRoutes({
          cairn,
          version: opts.version,
          host: opts.host,
          allowedOrigins: opts.corsOrigins ?? [],
          draining: () => draining,
          catalogChanged: () => void triggers.reload(),
          onError: (err) => opts.logger?.error({ err }, 'mcp'),
        }),
      ],
      onResponse: (method, url, status, seconds) => metrics.observeRequest(method, url, status, seconds),
      draining: () => draining,
      catalogChanged: () => void triggers.reload(),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}),
      ...(opts.bodyLimitBytes ? { bodyLimitBytes: opts.bodyLimitBytes } : {}),
      ...(opts.maxWebsocketClients ? { maxWebsocketClients: opts.maxWebsocketClients } : {}),
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.failedAuth ? { failedAuth: opts.failedAuth } : {}),
      ...(web ? { dashboardDir: web } : {}),
    });
    const address = await app.listen({ host: opts.host, port: opts.port });
    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        draining = true;
        await app.close();
        for (const stop of stops.reverse()) await stop();
        await cairn.drain(opts.shutdownGraceMs ?? 30_000);
      })());
    return { url: address, ...(web ? { dashboardUrl: `${address}/` } : {}), cairn, ...(adminKey ? { adminKey } : {}), close };
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    await cairn.close();
    throw err;
  }
}

function reportLoad(report: LoadReport, opts: ServeOptions): void {
  for (const l of report.loaded) if (l.created) opts.logger?.info({ workflowId: l.id, revision: l.revision, file: l.file }, 'workflow loaded');
  for (const bad of report.invalid) {
    const errors = bad.report.diagnostics.filter((d) => d.severity === 'error');
    opts.logger?.warn({ file: bad.file, errors: errors.map((d) => formatDiagnostic(d)) }, `${bad.file} not loaded: it has ${errors.length} error(s)`);
  }
}
