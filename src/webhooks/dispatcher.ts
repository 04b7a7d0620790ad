import { createHash } from 'node:crypto';
import type { RunEvent } from '../engine/types.js';
import type { FeedEntry, NewDelivery, Webhook } from '../store/records.js';
import type { Store } from '../store/store.js';
import { subscribes, webhookEventType, webhookMessage, type RunIdentity } from './event-types.js';

/*
 * Feed -> outbox. Reads the feed from the stored cursor and, per batch of entries, queues
 * one delivery per matching webhook and moves the cursor in the same transaction: an event
 * is queued once, whether the process dies before, during or after (a crash before the
 * commit reads the batch again; the message ids are derived from webhook and cursor, so a
 * batch queued twice, by two processes, is still one delivery each).
 */

export const WEBHOOK_CURSOR = 'webhooks';

/** Where entries come from: the app's EventStream (backlog after `after`, then live). */
export interface FeedSource {
  subscribe(opts: { after?: number }, listener: (entry: FeedEntry) => void): () => void;
}

export interface DispatcherOptions {
  /** Entries queued in one transaction at most. */
  batchSize?: number;
  /** Wait before trying a batch again after the store refused it. */
  retryMs?: number;
  /** Something was queued: the deliverer may look now. */
  onQueued?(count: number): void;
  onError?(err: unknown): void;
  now?(): number;
}

const RUN_CACHE = 1_000;

export class Dispatcher {
  private queue: FeedEntry[] = [];
  private draining: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly runs = new Map<string, RunIdentity>();

  constructor(
    private readonly store: Store,
    private readonly options: DispatcherOptions = {},
  ) {}

  /**
   * Subscribe from the stored cursor. With no cursor yet (webhooks never ran on this
   * store), start at the head: history from before is nobody's business, unless a webhook
   * already exists, whose events since its creation are then sent.
   */
  async start(source: FeedSource): Promise<void> {
    this.stopped = false;
    let after = await this.store.getCursor(WEBHOOK_CURSOR);
    if (after === undefined) after = (await this.store.listWebhooks()).length === 0 ? await this.store.feedHead() : 0;
    this.unsubscribe = source.subscribe({ after }, (entry) => {
      this.queue.push(entry);
      this.kick();
    });
  }

  /** Stop listening; the batch being written finishes (what is not written is read again next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.retryTimer);
    this.queue = [];
    await this.draining;
  }

  /** Resolves when every entry handed in so far is queued (or dropped by stop). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private kick(): void {
    if (this.draining || this.stopped || this.retryTimer) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0 && !this.retryTimer) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue.slice(0, this.options.batchSize ?? 500);
      try {
        await this.enqueue(batch);
        this.queue.splice(0, batch.length);
      } catch (err) {
        this.options.onError?.(err);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, this.options.retryMs ?? 1_000);
        this.retryTimer.unref();
        return;
      }
    }
  }

  private async enqueue(batch: FeedEntry[]): Promise<void> {
    const last = batch.at(-1);
    if (!last) return;
    const hooks = (await this.store.listWebhooks()).filter((h) => h.disabledAt === undefined);
    const deliveries: NewDelivery[] = [];
    const now = this.options.now?.() ?? Date.now();
    for (const { cursor, event } of batch) {
      const targets = hooks.length === 0 ? [] : receivers(hooks, event);
      if (targets.length === 0) continue;
      const message = webhookMessage(event, await this.identity(event));
      if (!message) continue;
      const payload = JSON.stringify(message);
      for (const hook of targets) deliveries.push({ id: messageId(hook.id, cursor), webhookId: hook.id, eventType: message.type, payload, createdAt: now });
    }
    const written = await this.store.enqueueDeliveries(WEBHOOK_CURSOR, last.cursor, deliveries);
    if (written && deliveries.length > 0) this.options.onQueued?.(deliveries.length);
  }

  private async identity(event: RunEvent): Promise<RunIdentity> {
    const known = this.runs.get(event.runId);
    if (known) return known;
    let identity: RunIdentity = {};
    if (event.type === 'RunCreated') identity = { workflowId: event.data.workflowId, workflowName: event.data.workflowName };
    else {
      const run = await this.store.getRun(event.runId);
      if (run) identity = { workflowId: run.workflowId, workflowName: run.workflowName };
    }
    if (this.runs.size >= RUN_CACHE) this.runs.delete(this.runs.keys().next().value as string);
    this.runs.set(event.runId, identity);
    return identity;
  }
}

/** Webhooks that want this event: subscribed to its type, and created before it happened. */
function receivers(hooks: Webhook[], event: RunEvent): Webhook[] {
  const type = webhookEventType(event);
  if (!type) return [];
  return hooks.filter((h) => subscribes(h.events, type) && h.createdAt <= event.at);
}

/**
 * The `webhook-id`: one per (webhook, feed entry), the same on every attempt and whoever
 * queues it; it sorts in feed order, so due messages go out oldest first.
 */
export function messageId(webhookId: string, cursor: number): string {
  const hook = createHash('sha256').update(webhookId).digest('base64url').slice(0, 12);
  return `msg_${cursor.toString(36).padStart(10, '0')}${hook}`;
}
