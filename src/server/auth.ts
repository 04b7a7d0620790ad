import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows, type AccessKey } from '../app/index.js';
import { sendError } from './error-body.js';
import { keyFromSubprotocols } from './event-socket.js';
import type { FailedAuthLimiter } from './failed-auth.js';
import type { AnyRoute } from './route.js';

declare module 'fastify' {
  interface FastifyRequest {
    cairnKey?: AccessKey;
  }
  interface FastifyContextConfig {
    /** The route's spec: authorization reads `access` from the route that matched. */
    spec?: AnyRoute;
  }
}

export interface AuthDeps {
  verify(secret: string): Promise<AccessKey | undefined>;
  failures: FailedAuthLimiter;
}

/**
 * Authorization is decided on the route Fastify matched (its spec's `access`), never by
 * looking at the raw path: `//api/v1/...`, `%2e`, a trailing slash or other case either
 * match a route (and get its rule) or match none (404). Unmatched requests get no data.
 */
export function authorize(deps: AuthDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const spec = request.routeOptions.config.spec;
    if (!spec || spec.access === 'public') return undefined;
    const waitMs = deps.failures.blockedFor(request.ip);
    if (waitMs > 0) {
      void reply.header('retry-after', Math.ceil(waitMs / 1000));
      return sendError(reply, 429, 'RATE_LIMITED', 'too many failed authentications from this address; wait and try again', { retryAfterSeconds: Math.ceil(waitMs / 1000) });
    }
    const secret = presentedKey(request);
    if (secret === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="cairn"');
      return sendError(reply, 401, 'UNAUTHORIZED', 'this route needs an API key: send Authorization: Bearer <key> (create one with `cairn keys create`)');
    }
    const key = await deps.verify(secret);
    if (!key) {
      deps.failures.fail(request.ip);
      void reply.header('www-authenticate', 'Bearer realm="cairn", error="invalid_token"');
      return sendError(reply, 401, 'UNAUTHORIZED', 'the API key is not valid (unknown, mistyped or revoked)');
    }
    if (!roleAllows(key.role, spec.access)) {
      return sendError(reply, 403, 'FORBIDDEN', `this route needs the ${spec.access} role; key '${key.name}' is ${key.role}`, { needed: spec.access, role: key.role });
    }
    request.cairnKey = key;
    return undefined;
  };
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  // A browser's WebSocket: the key as a `cairn.key.<key>` subprotocol (event-socket.ts).
  return request.headers.upgrade?.toLowerCase() === 'websocket' ? keyFromSubprotocols(request.headers['sec-websocket-protocol']) : undefined;
}
