import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type Action } from './action.js';
import { describeExpected, expectedStatusSchema, statusMatcher } from './expected-status.js';

/**
 * The `http` command, on undici's `request` (measured at about a third of the overhead of
 * global fetch for a small JSON call on loopback).
 */

export const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const headerValue = z
  .union([z.string(), z.number(), z.boolean()])
  .refine((v) => typeof v !== 'string' || !/[\r\n\0]/.test(v), 'a header value must not contain CR, LF or NUL');

const httpParameters = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http:// or https:// URL' }),
  method: z.enum(METHODS).optional().describe('Default GET.'),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name'), headerValue)
    .optional(),
  body: z.json().optional().describe('A string is sent as is; any other JSON value is sent as application/json.'),
  expect_status: expectedStatusSchema.optional().describe('Status codes that mean success (default "2xx").'),
  timeout_seconds: z.number().positive().optional().describe('Time limit for the whole request, body included.'),
  follow_redirects: z.boolean().optional().describe(`Follow up to ${MAX_REDIRECTS} redirects (default false).`),
});

export type HttpParameters = z.infer<typeof httpParameters>;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export const httpAction: Action<HttpParameters> = {
  name: 'http',
  summary: 'Send an HTTP request; the status, headers and (JSON) body become outputs.',
  parameters: httpParameters,
  mutates: true,
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
        const { request } = await loadUndici();
        const response = await request(p.url, {
          method,
          headers: requestHeaders(p, ctx.idempotencyKey),
          body: requestBody(p.body),
          signal,
          ...(p.follow_redirects ? { dispatcher: await redirecting() } : {}),
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

async function redirecting(): Promise<Dispatcher> {
  const { getGlobalDispatcher, interceptors } = await loadUndici();
  redirectDispatcher ??= getGlobalDispatcher().compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }));
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
