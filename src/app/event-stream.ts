import type { Store } from '../store/store.js';
import type { FeedEntry } from '../store/records.js';

export interface StreamSubscription {
  /** Deliver entries after this cursor first (a client resuming), then live ones. */
  after?: number;
  /** Only this run's events. */
  runId?: string;
}

export type EntryListener = (entry: FeedEntry) => void;

interface Subscriber {
  runId: string | undefined;
  listener: EntryListener;
  /** The last cursor handed to the listener: nothing at or before it is handed again. */
  last: number;
  /** Entries that arrived live while the backlog was being read. */
  buffered: FeedEntry[] | undefined;
  closed: boolean;
}

const PAGE = 500;

/**
 * Every committed event, in feed order, to whoever listens: live streams (WebSocket),
 * the webhook outbox, metrics. One reader tails the store's feed: at once when this
 * process commits (`wake`), and every `pollMs` for what other processes commit. A
 * subscriber that gives `after` first gets the backlog from the store, then joins the live
 * tail without a gap or a repeat: entries carry their cursor and each subscriber keeps the
 * last one it was handed.
 */
export class EventStream {
  private position = 0;
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private started: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: { pollMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /** Begin tailing from the current head. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.position = await this.store.feedHead();
      this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 250);
      this.timer.unref();
    })();
    return this.started;
  }

  /** The newest cursor this stream has read. */
  get head(): number {
    return this.position;
  }

  /** Read what is new now (this process just committed). */
  wake(): void {
    if (this.started === undefined) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.tail()
      .catch((err: unknown) => this.options.onError?.(err))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves when everything committed before the call has been handed out. */
  async settle(): Promise<void> {
    await this.started;
    while (this.reading) await this.reading;
    await (this.reading = this.tail().finally(() => (this.reading = undefined)));
  }

  subscribe(opts: StreamSubscription, listener: EntryListener): () => void {
    const sub: Subscriber = { runId: opts.runId, listener, last: opts.after ?? Number.NaN, buffered: opts.after === undefined ? undefined : [], closed: false };
    if (opts.after === undefined) sub.last = this.position;
    this.subscribers.add(sub);
    if (sub.buffered) void this.catchUp(sub);
    return () => {
      sub.closed = true;
      this.subscribers.delete(sub);
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const sub of this.subscribers) sub.closed = true;
    this.subscribers.clear();
  }

  private async tail(): Promise<void> {
    for (;;) {
      const page = await this.store.readFeed({ after: this.position, limit: PAGE });
      for (const entry of page) {
        this.position = entry.cursor;
        for (const sub of this.subscribers) this.offer(sub, entry);
      }
      if (page.length < PAGE) return;
    }
  }

  private offer(sub: Subscriber, entry: FeedEntry): void {
    if (sub.closed || (sub.runId !== undefined && entry.event.runId !== sub.runId)) return;
    if (sub.buffered) {
      sub.buffered.push(entry);
      return;
    }
    this.hand(sub, entry);
  }

  private hand(sub: Subscriber, entry: FeedEntry): void {
    if (sub.closed || entry.cursor <= sub.last) return;
    sub.last = entry.cursor;
    try {
      sub.listener(entry);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** The backlog from the store, then what arrived live meanwhile. */
  private async catchUp(sub: Subscriber): Promise<void> {
    try {
      for (;;) {
        const page = await this.store.readFeed({ after: sub.last, limit: PAGE, ...(sub.runId !== undefined ? { runId: sub.runId } : {}) });
        for (const entry of page) this.hand(sub, entry);
        if (page.length < PAGE || sub.closed) break;
      }
    } catch (err) {
      this.options.onError?.(err);
    }
    const buffered = sub.buffered ?? [];
    sub.buffered = undefined;
    for (const entry of buffered) this.hand(sub, entry);
  }
}
