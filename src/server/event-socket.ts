import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Cairn } from '../app/index.js';
import { sendError } from './error-body.js';
import { parsePart } from './validate-input.js';
import { route, type AnyRoute } from './route.js';

const query = z.strictObject({
  run: z.string().min(1).max(64).optional().describe("Only this run's events (a full run id)"),
  after: z.coerce.number().int().nonnegative().optional().describe('Resume after this cursor: every event after it is sent first, then live ones'),
});

/** The live stream's spec, for authorization and the OpenAPI document (the socket is registered apart). */
export const eventSocketRoute: AnyRoute = route({
  method: 'GET',
  path: '/events',
  access: 'viewer',
  summary: 'WebSocket: run events as they are committed, in order; each message carries its cursor for resuming',
  tags: ['events'],
  operationId: 'streamEvents',
  query,
  handler: () => Promise.reject(new Error('a WebSocket route: upgrade the connection')),
});

/** The subprotocol the server answers with. */
export const EVENTS_PROTOCOL = 'cairn.v1';
const KEY_PROTOCOL = 'cairn.key.';

/**
 * Browsers cannot set an Authorization header on a WebSocket, and a key in the URL would
 * end up in logs and history; so a browser sends it as a subprotocol, `cairn.key.<key>`,
 * next to `cairn.v1`. This finds it in the Sec-WebSocket-Protocol header.
 */
export function keyFromSubprotocols(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  for (const part of text.split(',')) {
    const protocol = part.trim();
    if (protocol.startsWith(KEY_PROTOCOL) && protocol.length > KEY_PROTOCOL.length) return protocol.slice(KEY_PROTOCOL.length);
  }
  return undefined;
}

/** The subprotocol echoed back: only `cairn.v1`, never the key (the answer would carry it back). */
export function chooseProtocol(protocols: Set<string>): string | false {
  return protocols.has(EVENTS_PROTOCOL) ? EVENTS_PROTOCOL : false;
}

// A slow client may hold this much unsent data before it is dropped (it can resume).
const MAX_BUFFERED = 8 * 1024 * 1024;

/** Event stream clients at once unless `server.max_websocket_clients` says otherwise. */
export const DEFAULT_MAX_CLIENTS = 1000;

/**
 * Messages are `{"cursor", "runId", "seq", "type", "at", "data"}`, one per event, in feed
 * order. A client that reconnects with `?after=<last cursor it saw>` misses nothing.
 */
export function registerEventSocket(app: FastifyInstance, cairn: Cairn, maxClients = DEFAULT_MAX_CLIENTS): void {
  // Each client holds a socket, a subscription and up to MAX_BUFFERED of unsent data.
  let clients = 0;
  app.get(
    '/api/v1/events',
    {
      websocket: true,
      config: { spec: eventSocketRoute },
      // Refused before the upgrade, so the client gets a plain HTTP answer with a code.
      preValidation: (_request, reply, done) => {
        if (clients < maxClients) return done();
        void sendError(reply, 503, 'TOO_MANY_CLIENTS', `the server already has ${clients} event stream clients (server.max_websocket_clients is ${maxClients}); retry later`, { limit: maxClients });
      },
    },
    (socket: WebSocket, request: FastifyRequest) => {
      clients++;
      socket.once('close', () => clients--);
      let q: z.infer<typeof query>;
      try {
        q = parsePart(query, request.query, 'query');
      } catch (err) {
        socket.close(1008, err instanceof Error ? err.message.slice(0, 120) : 'bad query');
        return;
      }
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      socket.on('close', () => {
        closed = true;
        unsubscribe?.();
      });
      void cairn.events().then((stream) => {
        if (closed) return;
        const start = q.after ?? stream.head;
        socket.send(JSON.stringify({ type: 'hello', cursor: start, ...(q.run ? { run: q.run } : {}) }));
        unsubscribe = stream.subscribe({ after: start, ...(q.run ? { runId: q.run } : {}) }, (entry) => {
          if (socket.bufferedAmount > MAX_BUFFERED) {
            socket.close(1013, 'client too slow: reconnect with ?after=<last cursor>');
            return;
          }
          const { event } = entry;
          socket.send(JSON.stringify({ cursor: entry.cursor, runId: event.runId, seq: event.seq, type: event.type, at: event.at, data: event.data }));
        });
      });
    },
  );
}
