import type { Dispatcher } from 'undici';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type Action, type ActionContext, type NotifyChannel } from './action.js';
import { guardedDispatcher, refusalIn } from './network-guard.js';
import { LOG_CHANNEL, notifySpec, type NotifyParameters, type SEVERITIES } from './specs/notify.js';

export { LOG_CHANNEL, type NotifyParameters } from './specs/notify.js';

/**
 * The `notify` command: a message to configured channels (a JSON webhook, a
 * Slack-compatible incoming webhook) or the run log. Webhook URLs are secrets (a Slack
 * URL is its own credential), so logs and errors name the channel, never the URL.
 */

export const NOTIFY_TIMEOUT_MS = 10_000;

type Severity = (typeof SEVERITIES)[number];

interface Notice {
  title: string | undefined;
  message: unknown;
  severity: Severity;
}

export const notifyAction: Action<NotifyParameters> = {
  ...notifySpec,
  async run(ctx) {
    const p = ctx.parameters;
    const names = [...new Set(p.channel === undefined ? [LOG_CHANNEL] : [p.channel].flat())];
    // Resolve every name first: an unknown one must not leave the others half sent.
    const channels = names.map((name) => ({ name, channel: resolveChannel(ctx, name) }));
    const notice: Notice = { title: p.title, message: p.message, severity: p.severity ?? 'info' };
    const results = await Promise.allSettled(channels.map(({ name, channel }) => deliver(ctx, name, channel, notice)));
    if (ctx.signal.aborted) throw abortedFailure(ctx.signal.reason);
    const delivered = names.filter((_, i) => results[i]?.status === 'fulfilled');
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) throw combined(failures, delivered);
    return { outputs: { delivered } };
  },
};

function resolveChannel(ctx: ActionContext<NotifyParameters>, name: string): NotifyChannel {
  if (name === LOG_CHANNEL) return { type: 'log' };
  const channel = ctx.channel?.(name);
  if (channel) return channel;
  throw new ActionFailure(
    `unknown notification channel '${name}': configure it in cairn.yaml or use '${LOG_CHANNEL}' (the run log: always available)`,
    'NOTIFY_UNKNOWN_CHANNEL',
    { channel: name },
    false,
  );
}

async function deliver(ctx: ActionContext<NotifyParameters>, name: string, channel: NotifyChannel, notice: Notice): Promise<void> {
  switch (channel.type) {
    case 'log':
      toLog(ctx, notice);
      return;
    case 'webhook': {
      const body = { title: notice.title ?? null, message: notice.message, severity: notice.severity, run_id: ctx.runId, step: ctx.step };
      await post(ctx, name, channel.url, body, channel.headers ?? {});
      return;
    }
    case 'slack':
      await post(ctx, name, channel.url, { text: slackText(notice) }, {});
      return;
  }
}

function toLog(ctx: ActionContext<NotifyParameters>, notice: Notice): void {
  const prefix = notice.severity === 'info' ? '' : `${notice.severity}: `;
  const text = `${notice.title ? `${notice.title}: ` : ''}${asText(notice.message)}`;
  for (const line of text.split('\n')) ctx.log('system', prefix + line);
}

/** Slack's mrkdwn: the title in bold on its own line, then the message. */
function slackText(notice: Notice): string {
  const message = asText(notice.message);
  return notice.title ? `*${notice.title}*\n${message}` : message;
}

function asText(message: unknown): string {
  return typeof message === 'string' ? message : (JSON.stringify(message, null, 2) ?? String(message));
}

async function post(
  ctx: ActionContext<NotifyParameters>,
  name: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<void> {
  const timeout = AbortSignal.timeout(NOTIFY_TIMEOUT_MS);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  let status: number;
  let text: string;
  try {
    const undici = await loadUndici();
    const response = await undici.request(url, {
      method: 'POST',
      headers: {
        ...lowerCased(headers),
        'content-type': 'application/json',
        // The same on every attempt: a receiver can drop the repeat of a retried notice.
        'idempotency-key': ctx.idempotencyKey,
      },
      body: JSON.stringify(body),
      signal,
      // The `network:` policy holds for a channel's address as for an http step's.
      ...(ctx.network ? { dispatcher: guardedDispatcher(undici, ctx.network, undefined) } : {}),
    });
    status = response.statusCode;
    text = await readSnippet(response.body);
  } catch (error) {
    if (ctx.signal.aborted) throw abortedFailure(ctx.signal.reason);
    const refused = refusalIn(error);
    if (refused) {
      ctx.log('system', `notify ${name}: refused by the network policy`);
      throw new ActionFailure(`notification to '${name}' is refused by the network policy: ${refused.message}`, refused.code, { channel: name, host: refused.host, address: refused.address }, false);
    }
    const why = timeout.aborted ? `no answer within ${NOTIFY_TIMEOUT_MS / 1000} s` : withoutUrl(error instanceof Error ? error.message : String(error), url);
    ctx.log('system', `notify ${name}: failed: ${why}`);
    throw new ActionFailure(`notification to '${name}' failed: ${why}`, 'NOTIFY_FAILED', { channel: name }, true);
  }
  ctx.log('system', `notify ${name}: ${status}`);
  if (status < 200 || status > 299) {
    throw new ActionFailure(
      `notification to '${name}' was refused with status ${status}${text ? `: ${text}` : ''}`,
      'NOTIFY_FAILED',
      { channel: name, status, body: text },
      // A 4xx other than these says the channel is misconfigured: a retry would not help.
      status >= 500 || status === 408 || status === 429,
    );
  }
}

/** An error message with the URL (a secret, for Slack) cut down to its origin. */
function withoutUrl(message: string, url: string): string {
  let origin = '<url>';
  try {
    origin = new URL(url).origin;
  } catch {}
  return message.split(url).join(origin);
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The first 500 characters of the answer, for the error; the rest is drained unread. */
async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < 500) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, 500).trim();
}

/** One failure as is; several as one NOTIFY_FAILED naming each channel. */
function combined(failures: unknown[], delivered: string[]): unknown {
  const [first] = failures;
  if (failures.length === 1 && delivered.length === 0) return first;
  const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
  const retryable = failures.some((f) => !(f instanceof ActionFailure) || f.retryable);
  const sent = delivered.length > 0 ? ` (delivered to ${delivered.join(', ')})` : '';
  return new ActionFailure(`${messages.join('; ')}${sent}`, 'NOTIFY_FAILED', { delivered, errors: messages }, retryable);
}

/** undici costs tens of milliseconds to load: only workflows that notify over HTTP pay for it. */
function loadUndici(): Promise<typeof import('undici')> {
  undiciModule ??= import('undici');
  return undiciModule;
}

let undiciModule: Promise<typeof import('undici')> | undefined;
