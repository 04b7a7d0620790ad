import { randomBytes } from 'node:crypto';
import type { Delivery, DeliveryStatus, Webhook } from '../store/records.js';
import { StoreError, type Store } from '../store/store.js';
import { AddressPolicy, type AllowPrivate } from '../webhooks/address-policy.js';
import { DEFAULT_RETRY, type RetrySchedule } from '../webhooks/attempt-outcome.js';
import { Deliverer, type AttemptReport } from '../webhooks/deliverer.js';
import { Dispatcher, type FeedSource } from '../webhooks/dispatcher.js';
import { ALL_EVENTS, isWebhookEventType, WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';
import { newWebhookSecret } from '../webhooks/signature.js';
import { parseWebhookUrl, resolveTarget, TargetInvalid, TargetRefused, TargetUnresolved } from '../webhooks/target.js';
import { CairnError } from './errors.js';

export type { AttemptReport } from '../webhooks/deliverer.js';
export type { AllowPrivate } from '../webhooks/address-policy.js';
export { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';

export interface WebhookOptions {
  /**
   * Addresses that are not public (loopback, private, link-local, ...) are refused unless
   * allowed here: `true` for all, or a list of CIDRs, addresses and host names.
   */
  allowPrivate?: AllowPrivate;
  /** Attempts per message (default 8), first delay (1 s) and longest delay (1 h). */
  retry?: Partial<RetrySchedule>;
  /** Time limit of one attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** How often to look for deliveries queued by other processes (default 1 s). */
  pollMs?: number;
  /** How long `stop` waits for attempts in flight before interrupting them (default 5 s). */
  stopGraceMs?: number;
  /** Every attempt, with its outcome: count them for metrics. */
  onAttempt?(report: AttemptReport): void;
  /** Messages put in the outbox (one per event and webhook): count them for metrics. */
  onQueued?(count: number): void;
  onError?(err: unknown): void;
  /** A number in [0, 1) for the retry jitter (tests pin it). */
  random?(): number;
}

export interface CreateWebhookRequest {
  url: string;
  events: string[];
  description?: string;
  /** Who creates it (API key name, user). */
  by?: string;
}

/** A webhook as shown: never its secret, which is shown once, when it is created. */
export type WebhookView = Omit<Webhook, 'secret'>;

/** The answer to `create`: the webhook with its signing secret, shown this once. */
export type CreatedWebhook = WebhookView & { secret: string };

const DESCRIPTION_MAX = 500;
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed', 'stopped'];

/**
 * Outgoing webhooks: subscriptions to run events, delivered signed (Standard Webhooks)
 * from a durable outbox, with retries, and refused for addresses inside the network unless
 * allowed (docs/webhooks.md). `create`/`list`/`get`/`delete`/`deliveries` serve the API;
 * `start`/`stop` run the sending for as long as the server runs.
 */
export class Webhooks {
  private readonly policy: AddressPolicy;
  private dispatcher: Dispatcher | undefined;
  private deliverer: Deliverer | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: WebhookOptions = {},
  ) {
    try {
      this.policy = AddressPolicy.from(options.allowPrivate ?? false);
    } catch (err) {
      throw new CairnError('USAGE', `server.webhooks.${(err as Error).message}`);
    }
    checkRetry(options.retry ?? {});
  }

  async create(req: CreateWebhookRequest): Promise<CreatedWebhook> {
    const input = checkRequest(req);
    let url: URL;
    try {
      url = parseWebhookUrl(input.url);
      await resolveTarget(url, this.policy, this.options.timeoutMs ?? 10_000);
    } catch (err) {
      if (err instanceof TargetInvalid) throw new CairnError('USAGE', `webhook ${err.message}`, { field: 'url' });
      if (err instanceof TargetRefused || err instanceof TargetUnresolved) throw new CairnError('WEBHOOK_URL_REFUSED', err.message, { field: 'url', url: input.url });
      throw err;
    }
    const webhook: Webhook = { id: `wh_${randomBytes(12).toString('base64url')}`, url: url.href, events: input.events, secret: newWebhookSecret(), createdAt: Date.now() };
    if (input.description !== undefined) webhook.description = input.description;
    if (input.by !== undefined) webhook.createdBy = input.by;
    await guard(() => this.store.putWebhook(webhook));
    return { ...view(webhook), secret: webhook.secret };
  }

  async list(): Promise<WebhookView[]> {
    return (await guard(() => this.store.listWebhooks())).map(view);
  }

  async get(id: string): Promise<WebhookView> {
    return view(await this.find(id));
  }

  /** Delete a webhook and its delivery log; what is pending is not sent. */
  async delete(id: string): Promise<void> {
    if (!(await guard(() => this.store.deleteWebhook(id)))) throw notFound(id);
  }

  /** The delivery log of a webhook, newest first: each message with every attempt. */
  async deliveries(id: string, opts: { limit?: number; status?: string } = {}): Promise<Delivery[]> {
    await this.find(id);
    const limit = opts.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new CairnError('USAGE', `limit must be a whole number from 1 to 1000, not ${String(opts.limit)}`, { field: 'limit' });
    if (opts.status !== undefined && !(STATUSES as readonly string[]).includes(opts.status)) {
      throw new CairnError('USAGE', `status must be one of ${STATUSES.join(', ')}, not '${opts.status}'`, { field: 'status' });
    }
    return guard(() => this.store.listDeliveries(id, { limit, ...(opts.status ? { status: opts.status as DeliveryStatus } : {}) }));
  }

  /**
   * Start sending: queue deliveries for the events `stream` hands out (from where the
   * last process left off), and send due deliveries. The stream is started by the caller.
   */
  async start(stream: FeedSource): Promise<void> {
    if (this.dispatcher) return;
    const onError = this.options.onError ?? (() => undefined);
    const deliverer = new Deliverer(this.store, {
      policy: this.policy,
      retry: this.options.retry ?? {},
      onError,
      ...pick(this.options, ['timeoutMs', 'concurrency', 'pollMs', 'random', 'onAttempt']),
    });
    const onQueued = (count: number) => {
      this.options.onQueued?.(count);
      deliverer.wake();
    };
    const dispatcher = new Dispatcher(this.store, { onQueued, onError });
    this.dispatcher = dispatcher;
    this.deliverer = deliverer;
    deliverer.start();
    try {
      await dispatcher.start(stream);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Stop sending: no new attempt starts; attempts in flight get `stopGraceMs` to finish,
   * then are interrupted (recorded, and due again at the next start). Call before closing
   * the store.
   */
  async stop(): Promise<void> {
    const { dispatcher, deliverer } = this;
    this.dispatcher = undefined;
    this.deliverer = undefined;
    await dispatcher?.stop();
    await deliverer?.stop(this.options.stopGraceMs ?? 5_000);
  }

  /** Resolves when every event the stream has handed out so far is in the outbox. */
  async queued(): Promise<void> {
    await this.dispatcher?.idle();
  }

  private async find(id: string): Promise<Webhook> {
    const hook = typeof id === 'string' && id !== '' ? await guard(() => this.store.getWebhook(id)) : undefined;
    if (!hook) throw notFound(id);
    return hook;
  }
}

function checkRequest(req: unknown): CreateWebhookRequest {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new CairnError('USAGE', 'a webhook needs an object with url and events');
  const r = req as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !['url', 'events', 'description', 'by'].includes(k));
  if (unknown.length > 0) throw new CairnError('USAGE', `unknown webhook field ${unknown.map((k) => `'${k}'`).join(', ')}; the fields are url, events, description`, { field: unknown[0] });
  if (typeof r['url'] !== 'string' || r['url'].trim() === '') throw new CairnError('USAGE', 'webhook url is required: an http:// or https:// URL', { field: 'url' });
  const events = r['events'];
  if (!Array.isArray(events) || events.length === 0 || events.some((e) => typeof e !== 'string')) {
    throw new CairnError('USAGE', `webhook events is required: a list of event types, or ["*"] for all; known types: ${WEBHOOK_EVENT_TYPES.join(', ')}`, { field: 'events' });
  }
  for (const [i, e] of (events as string[]).entries()) {
    if (e !== ALL_EVENTS && !isWebhookEventType(e)) {
      throw new CairnError('USAGE', `events[${i}]: unknown event type '${e}'; known types: ${WEBHOOK_EVENT_TYPES.join(', ')}, or * for all`, { field: 'events', index: i, known: [...WEBHOOK_EVENT_TYPES] });
    }
  }
  const description = r['description'];
  if (description !== undefined && (typeof description !== 'string' || description.length > DESCRIPTION_MAX)) {
    throw new CairnError('USAGE', `webhook description must be text of at most ${DESCRIPTION_MAX} characters`, { field: 'description' });
  }
  const by = r['by'];
  if (by !== undefined && typeof by !== 'string') throw new CairnError('USAGE', 'webhook by must be text', { field: 'by' });
  const out: CreateWebhookRequest = { url: (r['url'] as string).trim(), events: [...new Set(events as string[])] };
  if (description !== undefined) out.description = description as string;
  if (by !== undefined) out.by = by as string;
  return out;
}

function checkRetry(retry: Partial<RetrySchedule>): void {
  const s = { ...DEFAULT_RETRY, ...retry };
  const bad = (what: string) => new CairnError('USAGE', `server.webhooks.${what}`);
  if (!Number.isInteger(s.maxAttempts) || s.maxAttempts < 1) throw bad(`max_attempts must be a whole number of at least 1, not ${s.maxAttempts}`);
  if (!(s.baseDelayMs >= 0) || !(s.maxDelayMs >= s.baseDelayMs)) throw bad(`retry delays must be 0 or more, the longest no shorter than the first (got ${s.baseDelayMs} ms and ${s.maxDelayMs} ms)`);
}

function view(w: Webhook): WebhookView {
  const { secret: _secret, ...rest } = w;
  return rest;
}

function notFound(id: string): CairnError {
  return new CairnError('WEBHOOK_NOT_FOUND', `no webhook '${id}'`, { webhook: id });
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreError) throw new CairnError(err.code, err.message);
    throw err;
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
