import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Cairn } from '../app/index.js';
import { authorize } from './auth.js';
import { registerDashboard, sendPage, wantsPage } from './dashboard.js';
import type { ServerDeps } from './deps.js';
import { errorHandler, sendError } from './error-body.js';
import { chooseProtocol, eventSocketRoute, registerEventSocket } from './event-socket.js';
import { FailedAuthLimiter } from './failed-auth.js';
import { API_PREFIX, openApiDocument } from './openapi.js';
import { fastifyPath, route, type AnyRoute } from './route.js';
import { keyRoutes } from './routes/access.js';
import { recordApiCall } from './audit-trail.js';
import { operationRoutes } from './routes/operations.js';
import { authoringRoutes } from './routes/commands.js';
import { poolRoutes } from './routes/pools.js';
import { nodeRoutes } from './routes/nodes.js';
import { runRoutes } from './routes/runs.js';
import { systemRoutes } from './routes/system.js';
import { workflowRoutes } from './routes/workflows.js';
import { parsePart } from './validate-input.js';

export interface ApiOptions {
  version: string;
  /** Origins allowed by CORS; none (the default) means CORS stays off. */
  corsOrigins?: string[];
  bodyLimitBytes?: number;
  /** WebSocket clients of /api/v1/events at once (default 1,000); one more is refused with 503. */
  maxWebsocketClients?: number;
  /** Requests per key (or per address, before authentication) per window. */
  rateLimit?: { max: number; windowMs: number };
  /** Failed authentications per address per window before it is refused. */
  failedAuth?: { max: number; windowMs: number };
  logger?: FastifyServerOptions['loggerInstance'];
  /** More routes (webhooks, triggers, metrics), in the same table. */
  extraRoutes?: AnyRoute[];
  /** Called for each answered request, for metrics (`route` is the matched pattern). */
  onResponse?(method: string, route: string, status: number, seconds: number): void;
  draining?(): boolean;
  catalogChanged?(): void;
  /** Serve the built dashboard from this folder at `/` (dashboard.ts). */
  dashboardDir?: string;
}

export interface Api {
  app: FastifyInstance;
  routes: AnyRoute[];
}

/**
 * The HTTP face of the application API: one route table (routes/*.ts) registered on
 * Fastify, each input checked by its zod schema, each call authorized on the route that
 * matched, every error as `{"error": {"code", "message", "details"}}`.
 */
export async function buildApi(cairn: Cairn, options: ApiOptions): Promise<Api> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // Exact paths: `//x`, `/x/` and `/X` are other paths, not aliases (authorization is per matched route anyway).
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const deps: ServerDeps = { cairn, draining: options.draining ?? (() => false), catalogChanged: options.catalogChanged ?? (() => undefined) };
  const routes: AnyRoute[] = [
    ...runRoutes(deps),
    ...workflowRoutes(deps),
    ...keyRoutes(deps),
    ...operationRoutes(deps),
    ...systemRoutes(deps),
    ...authoringRoutes(deps),
    ...poolRoutes(deps),
    ...nodeRoutes(deps),
    ...(options.extraRoutes ?? []),
    eventSocketRoute,
  ];
  routes.push(
    route({
      method: 'GET',
      path: '/openapi.json',
      access: 'viewer',
      summary: 'This document',
      tags: ['system'],
      operationId: 'getOpenApi',
      handler: async () => document,
    }),
  );
  const document = openApiDocument(routes, options.version);

  app.setErrorHandler(errorHandler((err, req) => req.log.error({ err }, 'request failed')));
  app.setNotFoundHandler((request, reply) =>
    options.dashboardDir && wantsPage(request) ? sendPage(reply) : sendError(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`),
  );
  // Requests are small JSON; a signature check needs the exact bytes, so keep the text too.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    (request as { rawBody?: string }).rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      const error = err as Error & { statusCode?: number };
      error.statusCode = 400;
      done(error, undefined);
    }
  });

  // A refused WebSocket upgrade is answered on the raw socket, which nothing else closes:
  // a client that keeps it open would hold up shutdown.
  app.addHook('onResponse', async (request, reply) => {
    if (request.headers.upgrade !== undefined && reply.statusCode >= 400) request.raw.socket.destroy();
  });
  const failures = new FailedAuthLimiter(options.failedAuth?.max ?? 20, options.failedAuth?.windowMs ?? 60_000);
  app.addHook('onRequest', authorize({ verify: (secret) => cairn.keys.verify(secret), failures }));
  if (options.onResponse) {
    const observe = options.onResponse;
    app.addHook('onResponse', async (request, reply) => {
      observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    });
  }
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    // Exact origins only: never `*`, never a reflected or `null` origin.
    const allowed = new Set(options.corsOrigins.filter((o) => o !== 'null' && o !== '*'));
    await app.register(cors, { origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)), credentials: false, maxAge: 600 });
  }
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    max: options.rateLimit?.max ?? 1200,
    timeWindow: options.rateLimit?.windowMs ?? 60_000,
    keyGenerator: (request) => (request.cairnKey ? `key:${request.cairnKey.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: { code: 'RATE_LIMITED', message: `rate limit of ${context.max} requests per ${context.after} reached; retry later`, details: { retryAfter: context.after } },
    }),
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024, handleProtocols: chooseProtocol } });

  const register = (scope: FastifyInstance, specs: AnyRoute[]) => {
    for (const spec of specs) {
        scope.route({
          method: spec.method,
          url: fastifyPath(spec.path),
          config: { spec },
          handler: async (request, reply) => {
            const params = parsePart(spec.params, request.params, 'path');
            const query = parsePart(spec.query, request.query, 'query');
            const body = spec.rawBody ? (request as { rawBody?: string }).rawBody : parsePart(spec.body, request.body, 'body');
            const key = request.cairnKey;
            // The handler may change it (a duplicate start answers 200, not 202).
            void reply.code(spec.status ?? 200);
            const result = await spec.handler({ params, query, body, key, actor: key?.name ?? 'anonymous', request, reply });
            if (spec.method !== 'GET') await recordApiCall(cairn, spec, { actor: key?.name ?? 'anonymous', request, params, body, result, status: reply.statusCode });
            return reply.sent ? reply : result;
          },
        });
    }
  };
  const served = routes.filter((r) => r !== eventSocketRoute);
  register(app, served.filter((r) => r.root));
  await app.register(async (api) => register(api, served.filter((r) => !r.root)), { prefix: API_PREFIX });
  registerEventSocket(app, cairn, options.maxWebsocketClients);
  if (options.dashboardDir) await registerDashboard(app, options.dashboardDir);
  return { app, routes };
}
