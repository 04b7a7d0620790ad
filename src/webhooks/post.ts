import type { LookupFunction } from 'node:net';
import type { AttemptResult } from './attempt-outcome.js';
import type { PinnedTarget } from './target.js';

/*
 * One POST of a signed message to a pinned target, on undici. Redirects are not followed
 * (undici's `request` never follows them without an interceptor): a 3xx is an answer like
 * any other non-2xx, and the delivery is retried, never sent somewhere else.
 */

const EXCERPT_BYTES = 256;

export async function postMessage(target: PinnedTarget, headers: Record<string, string>, body: string, opts: { timeoutMs: number; signal: AbortSignal }): Promise<AttemptResult> {
  const { Agent, request } = await loadUndici();
  const agent = new Agent({
    connect: { lookup: pinnedLookup(target), timeout: opts.timeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    // One connection per attempt: an attempt is checked and pinned on its own.
    pipelining: 0,
  });
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  try {
    const response = await request(target.url, { method: 'POST', headers, body, dispatcher: agent, signal });
    const excerpt = response.statusCode >= 300 ? await readExcerpt(response.body) : await response.body.dump().then(() => undefined);
    const location = response.headers['location'];
    const result: AttemptResult = { kind: 'answered', status: response.statusCode };
    if (typeof location === 'string') result.location = location;
    if (excerpt) result.excerpt = excerpt;
    return result;
  } catch (err) {
    return { kind: 'error', error: describeError(err, opts) };
  } finally {
    agent.destroy().catch(() => undefined);
  }
}

/** Node's resolver replaced by the address already checked (with or without `all`). */
function pinnedLookup(target: PinnedTarget): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= EXCERPT_BYTES) break;
    }
  } catch {
    return undefined;
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}

function describeError(err: unknown, opts: { timeoutMs: number; signal: AbortSignal }): string {
  if (opts.signal.aborted) return 'interrupted: Cairn stopped during the attempt';
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no answer within ${opts.timeoutMs} ms`;
  }
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** undici costs tens of milliseconds to load: only a server with webhooks pays for it. */
function loadUndici(): Promise<typeof import('undici')> {
  undiciModule ??= import('undici');
  return undiciModule;
}

let undiciModule: Promise<typeof import('undici')> | undefined;
