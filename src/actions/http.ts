import type { Dispatcher } from 'undici';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type Action } from './action.js';
import { describeExpected, statusMatcher } from './expected-status.js';
import { guardedDispatcher, refusalIn, type NetworkGuard } from './network-guard.js';
import { httpSpec, MAX_REDIRECTS, type HttpParameters } from './specs/http.js';

export type { HttpParameters } from './specs/http.js';

/**
 * The `http` command, on undici's `request` (measured at about a third of the overhead of
 * global fetch for a small JSON call on loopback).
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const httpAction: Action<HttpParameters> = {
  ...httpSpec,
  async run(ctx) {
    const p = ctx.parameters;
    const method = p.method ?? 'GET';
    const shownUrl = withoutCredentials(p.url);
    const timeout = p.timeout_seconds === undefined ? undefined : AbortSignal.timeout(p.timeout_seconds * 1000);
    const signal = timeout ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal;
    const what = `${method} ${shownUrl}`;
    const started = performance.now();
    const send = async (): Promise<Reply> => {
      try {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const undici = await loadUndici();
        const dispatcher = await chooseDispatcher(undici, ctx.network, p.follow_redirects === true);
        const response = await undici.request(p.url, {
          method,
          headers: requestHeaders(p, ctx.idempotencyKey),
          body: requestBody(p.body),
          signal,
          ...(dispatcher ? { dispatcher } : {}),
        });
        return { status: response.statusCode, headers: response.headers, text: await readCapped(response.body) };
      } catch (error) {
        throw requestFailure(error, ctx.signal, timeout, p, what);
      }
    };
    let reply: Reply;
    try {
      // The host's breaker (per process) fails the step at once while the host is down.
      reply = ctx.breakers ? await ctx.breakers.execute(p.url, send, ctx.signal) : await send();
    } catch (error) {
      const failure = requestFailure(error, ctx.signal, timeout, p, what);
      ctx.log('system', `${what} -> ${failure.code} (${elapsed(started)} ms)`);
      throw failure;
    }
    const { status, headers, text } = reply;
    ctx.log('system', `${method} ${shownUrl} -> ${status} (${elapsed(started)} ms)`);
    if (!statusMatcher(p.expect_status)(status)) {
      const snippet = text.slice(0, 500);
      throw new ActionFailure(
        `${method} ${shownUrl} returned ${status}, expected ${describeExpected(p.expect_status)}${snippet ? `: ${snippet}` : ''}`,
        'HTTP_STATUS',
        { status, body: snippet },
        // Only server-side trouble may go away on a retry.
        status >= 500 || status === 408 || status === 429,
      );
    }
    return { outputs: { status, headers, body: parseBody(text, headers['content-type']) } };
  },
};

function requestHeaders(p: HttpParameters, idempotencyKey: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(p.headers ?? {})) headers[name.toLowerCase()] = String(value);
  // The same key on every attempt lets the server deduplicate a retried request.
  headers['idempotency-key'] ??= idempotencyKey;
  if (p.body !== undefined && p.body !== null && typeof p.body !== 'string') headers['content-type'] ??= 'application/json';
  return headers;
}

function requestBody(body: HttpParameters['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** Reads the body, stopping at the cap (a content-length is not trusted: HEAD has one too). */
async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) tooLarge(body);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(body: Dispatcher.ResponseData['body']): never {
  body.destroy();
  throw new ActionFailure(
    `the response body is larger than ${MAX_RESPONSE_BYTES} bytes (1 MiB)`,
    'HTTP_BODY_TOO_LARGE',
    { limit: MAX_RESPONSE_BYTES },
    false,
  );
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!type || !/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) return text;
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ActionFailure(
      `the response says ${type} but its body is not valid JSON: ${(error as Error).message}`,
      'HTTP_BODY_INVALID',
      { body: text.slice(0, 500) },
    );
  }
}

function requestFailure(
  error: unknown,
  runSignal: AbortSignal,
  timeout: AbortSignal | undefined,
  p: HttpParameters,
  what: string,
): ActionFailure {
  if (error instanceof ActionFailure) return error;
  if (runSignal.aborted) return abortedFailure(runSignal.reason);
  const refused = refusalIn(error);
  if (refused) {
    return new ActionFailure(`${what} is refused by the network policy: ${refused.message}`, refused.code, { host: refused.host, address: refused.address }, false);
  }
  if (timeout?.aborted) {
    return new ActionFailure(`${what} timed out after ${p.timeout_seconds} s`, 'HTTP_TIMEOUT', { timeoutSeconds: p.timeout_seconds });
  }
  const errno = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (errno === 'UND_ERR_INVALID_ARG' && /redirect/i.test(message)) {
    return new ActionFailure(`${what}: ${message}`, 'HTTP_REDIRECT', {}, false);
  }
  if (errno === 'UND_ERR_INVALID_ARG') {
    return new ActionFailure(`${what}: invalid request: ${message}`, 'HTTP_REQUEST_INVALID', {}, false);
  }
  return new ActionFailure(`${what} failed: ${message}`, 'HTTP_NETWORK', { errno });
}

let redirectDispatcher: Dispatcher | undefined;

/** The guarded dispatcher when a network policy is set (every hop checked); else the global one. */
async function chooseDispatcher(undici: typeof import('undici'), guard: NetworkGuard | undefined, follow: boolean): Promise<Dispatcher | undefined> {
  if (guard) return guardedDispatcher(undici, guard, follow ? MAX_REDIRECTS : undefined);
  if (!follow) return undefined;
  redirectDispatcher ??= undici.getGlobalDispatcher().compose(undici.interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
  return redirectDispatcher;
}

/** The URL as logged: user and password removed. */
function withoutCredentials(url: string): string {
  if (!url.includes('@')) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

/** undici costs tens of milliseconds to load: only workflows with http steps pay for it. */
function loadUndici(): Promise<typeof import('undici')> {
  undiciModule ??= import('undici');
  return undiciModule;
}

let undiciModule: Promise<typeof import('undici')> | undefined;
