import { createServer } from 'node:net';

export type PortState = 'free' | 'taken' | 'unknown';

/**
 * Whether something on this machine listens on a TCP port: try to listen on it on the
 * loopback and wildcard addresses of both families, and close at once. EADDRINUSE on any
 * of them means taken. An address family the machine lacks is skipped; a port we may not
 * bind (below 1024 without privileges) cannot be told apart, so it is `unknown`.
 */
export async function probePort(port: number): Promise<PortState> {
  let state: PortState = 'free';
  for (const host of ['127.0.0.1', '0.0.0.0', '::1', '::']) {
    const result = await tryListen(port, host);
    if (result === 'taken') return 'taken';
    if (result === 'unknown') state = 'unknown';
  }
  return state;
}

function tryListen(port: number, host: string): Promise<PortState | 'absent'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      resolve(err.code === 'EADDRINUSE' ? 'taken' : err.code === 'EACCES' ? 'unknown' : 'absent');
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}
