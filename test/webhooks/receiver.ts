import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers the n-th request (from 0); the default is 200. */
export type Answer = (n: number, req: Received, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
export class Receiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  answer: Answer = (_n, _req, res) => res.writeHead(200).end('ok');

  async listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        const n = this.received.length;
        this.received.push(got);
        this.answer(n, got, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answer with these statuses in turn; after the list, 200. */
  statuses(...codes: number[]): void {
    this.answer = (n, _req, res) => res.writeHead(codes[n] ?? 200).end(`answer ${n}`);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Poll until `check` returns a value other than undefined/false, or fail after a generous deadline. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
