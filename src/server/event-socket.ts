import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Cairn } from '../app/index.js';
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

// A slow client may hold this much unsent data before it is dropped (it can resume).
const MAX_BUFFERED = 8 * 1024 * 1024;

/**
 * Messages are `{"cursor", "runId", "seq", "type", "at", "data"}`, one per event, in feed
 * order. A client that reconnects with `?after=<last cursor it saw>` misses nothing.
 */
export function registerEventSocket(app: FastifyInstance, cairn: Cairn): void {
  app.get(
    '/api/v1/events',
    { websocket: true, config: { spec: eventSocketRoute } },
    (socket: WebSocket, request: FastifyRequest) => {
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
