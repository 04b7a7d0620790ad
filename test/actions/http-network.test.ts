import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpAction, type HttpParameters } from '../../src/actions/http.js';
import type { NetworkGuard } from '../../src/actions/network-guard.js';
import { networkPolicy } from '../../src/app/network-policy.js';
import { actionContext, failure } from './context.js';
import { Workspace } from '../app/workspace.js';

/** The network policy of `http` steps, against real loopback servers. */

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}

let server: Server;
let port: number;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const to = /^\/to\/(.+)$/.exec(req.url ?? '');
    if (to) res.writeHead(302, { location: decodeURIComponent(to[1] as string) }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  seen.length = 0;
});

function send(parameters: HttpParameters, network: NetworkGuard) {
  const { ctx } = actionContext(parameters);
  return httpAction.run({ ...ctx, network });
}

describe('the default policy (no network: section)', () => {
  const guard = networkPolicy();

  it('lets a step reach an ordinary (here loopback) address', async () => {
    const result = await send({ url: `http://127.0.0.1:${port}/ok` }, guard);
    expect(result.outputs.status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/ok']);
  });

  it.each([
    ['the AWS/GCP/Azure IPv4 metadata address', 'http://169.254.169.254/latest/meta-data/iam/', '169.254.169.254'],
    ['the AWS IPv6 metadata address', 'http://[fd00:ec2::254]/latest/', 'fd00:ec2::254'],
    ['the metadata address written IPv4-mapped', 'http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['the Alibaba metadata address', 'http://100.100.100.200/latest/meta-data/', '100.100.100.200'],
    ['the GCP metadata name (refused before it is resolved)', 'http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal'],
  ])('refuses %s with HTTP_NETWORK_REFUSED, not retried', async (_what, url, shown) => {
    const err = await failure(send({ url }, guard));
    expect(err.code).toBe('HTTP_NETWORK_REFUSED');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('refused by the network policy');
    expect(err.message).toContain('cloud metadata address');
    expect(err.message).toContain('network.allow');
    expect(err.message).toContain(shown);
  });

  it('checks every redirect hop: a redirect to the metadata address is refused', async () => {
    const target = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    const err = await failure(send({ url: `http://127.0.0.1:${port}/to/${target}`, follow_redirects: true }, guard));
    expect(err.code).toBe('HTTP_NETWORK_REFUSED');
    expect(seen.map((s) => s.url)).toEqual([`/to/${target}`]);
  });
});

describe('network.deny and network.allow', () => {
  it('a denied CIDR is refused on the address a name resolves to, and no request reaches it', async () => {
    const guard = networkPolicy({ deny: ['127.0.0.0/8', '::1'] });
    const err = await failure(send({ url: `http://localhost:${port}/secret` }, guard));
    expect(err.code).toBe('HTTP_NETWORK_REFUSED');
    expect(err.message).toMatch(/localhost \((127\.0\.0\.1|::1)\) is denied by network\.deny/);
    expect(err.details).toMatchObject({ host: 'localhost' });
    expect(seen).toEqual([]);
  });

  it('a denied host name is refused by name', async () => {
    const err = await failure(send({ url: `http://LocalHost.:${port}/` }, networkPolicy({ deny: ['localhost'] })));
    expect(err.code).toBe('HTTP_NETWORK_REFUSED');
    expect(err.message).toContain('denied by network.deny (localhost)');
    expect(seen).toEqual([]);
  });

  it('`private` denies every non-public range; allow wins over it', async () => {
    const denied = await failure(send({ url: `http://127.0.0.1:${port}/` }, networkPolicy({ deny: ['private'] })));
    expect(denied.code).toBe('HTTP_NETWORK_REFUSED');
    expect(denied.message).toContain('is a loopback address, denied by network.deny (private)');
    const allowed = await send({ url: `http://127.0.0.1:${port}/ok` }, networkPolicy({ deny: ['private'], allow: ['127.0.0.1/32'] }));
    expect(allowed.outputs.status).toBe(200);
  });

  it('a redirect from an allowed host to a denied one is refused at the hop', async () => {
    const guard = networkPolicy({ deny: ['localhost'] });
    const target = encodeURIComponent(`http://localhost:${port}/inside`);
    const err = await failure(send({ url: `http://127.0.0.1:${port}/to/${target}`, follow_redirects: true }, guard));
    expect(err.code).toBe('HTTP_NETWORK_REFUSED');
    expect(seen.map((s) => s.url)).toEqual([`/to/${target}`]);
  });

  it('allow lets a metadata address through (the policy pins it)', async () => {
    const pinned = await networkPolicy({ allow: ['169.254.169.254'] }).pin('169.254.169.254');
    expect(pinned).toEqual({ address: '169.254.169.254', family: 4 });
    await expect(networkPolicy().pin('169.254.169.254')).rejects.toThrow(/cloud metadata/);
  });

  it('a malformed entry is a usage error naming it', () => {
    expect(() => networkPolicy({ deny: ['10.0.0.0/99'] })).toThrow("network.deny[0]: '10.0.0.0/99' is neither a CIDR");
    expect(() => networkPolicy({ allow: ['ok.example', 'bad host'] })).toThrow('network.allow[1]');
  });
});

describe('pinning', () => {
  it('the connection goes to the address the guard checked, while the Host header keeps the name', async () => {
    // A name that resolves nowhere: only the pinned address can make the request arrive.
    const checked: string[] = [];
    const guard: NetworkGuard = {
      pin: (host) => {
        checked.push(host);
        return Promise.resolve({ address: '127.0.0.1', family: 4 });
      },
    };
    const result = await send({ url: `http://rebind.invalid:${port}/pinned` }, guard);
    expect(result.outputs.status).toBe(200);
    expect(checked).toEqual(['rebind.invalid']);
    expect(seen[0]?.headers.host).toBe(`rebind.invalid:${port}`);
  });
});

describe('through a whole run (cairn.yaml network:)', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    await ws?.close();
  });

  it('a step to the metadata address fails with HTTP_NETWORK_REFUSED; a deny list from cairn.yaml applies', async () => {
    ws = new Workspace();
    ws.file('cairn.yaml', 'network:\n  deny: [localhost]\n');
    const cairn = await ws.open();
    const file = ws.file(
      'net.yaml',
      `name: net\nsteps:\n  - id: meta\n    command: http\n    timeout_seconds: 30\n    parameters: { url: "http://169.254.169.254/latest/meta-data/" }\n  - id: inside\n    command: http\n    timeout_seconds: 30\n    parameters: { url: "http://localhost:${port}/inside" }\n`,
    );
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const steps = Object.fromEntries((await cairn.getRun(run.id)).steps.map((s) => [s.key, s]));
    expect(steps.meta?.error?.code).toBe('HTTP_NETWORK_REFUSED');
    expect(steps.inside?.error?.code).toBe('HTTP_NETWORK_REFUSED');
    expect(steps.meta?.attempts).toBe(1);
    expect(seen).toEqual([]);
  });

  it('a malformed entry in cairn.yaml is reported where it is', async () => {
    ws = new Workspace();
    ws.file('cairn.yaml', 'network:\n  allow: ["bad host!"]\n');
    const err = (await ws.open().then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: string; details?: { lines?: string[] } } | undefined;
    expect(err?.code).toBe('CONFIG_INVALID');
    expect(err?.details?.lines?.join('\n')).toMatch(/network\.allow\.0|network\.allow\[0\]|allow.*0/);
    expect(err?.details?.lines?.join('\n')).toContain('expected a CIDR');
  });
});
