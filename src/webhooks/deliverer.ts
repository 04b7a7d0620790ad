import type { Delivery } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AddressPolicy } from './address-policy.js';
import { DEFAULT_RETRY, settle, type AttemptOutcome, type AttemptResult, type RetrySchedule } from './attempt-outcome.js';
import { postMessage } from './post.js';
import { signWebhook } from './signature.js';
import { parseWebhookUrl, resolveTarget, TargetInvalid, TargetRefused, TargetUnresolved, type PinnedTarget } from './target.js';

/*
 * Outbox -> receivers. Claims due deliveries from the store (a claim hides a delivery from
 * other processes for a lease; one never settled, because this process died, comes due
 * again), sends each, and settles it with the attempt recorded in its history.
 */

export interface DelivererOptions {
  policy: AddressPolicy;
  retry?: Partial<RetrySchedule>;
  /** Time limit of one attempt, name resolution included (default 10 s). */
  timeoutMs?: number;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** How often to look for work queued by other processes (default 1 s). */
  pollMs?: number;
  /** A number in [0, 1) for the jitter (tests pin it). */
  random?(): number;
  now?(): number;
  onAttempt?(report: AttemptReport): void;
  onError?(err: unknown): void;
  userAgent?: string;
}

/** One attempt, as it happened: for metrics (count by outcome) and logs. */
export interface AttemptReport {
  deliveryId: string;
  webhookId: string;
  eventType: string;
  /** 1 for the first attempt. */
  attempt: number;
  outcome: AttemptOutcome;
  status?: number;
  error?: string;
  ms: number;
}

export class Deliverer {
  private running = false;
  private loop: Promise<void> | undefined;
  private sleeper: { timer: NodeJS.Timeout; resolve(): void } | undefined;
  private woken = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private readonly schedule: RetrySchedule;

  constructor(
    private readonly store: Store,
    private readonly options: DelivererOptions,
  ) {
    this.schedule = { ...DEFAULT_RETRY, ...options.retry };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /** Look for due deliveries now (something was just queued). */
  wake(): void {
    this.woken = true;
    this.sleeper?.resolve();
  }

  /**
   * Take nothing new; wait up to `graceMs` for attempts in flight, then interrupt the rest.
   * An interrupted attempt is recorded and comes due again at once on the next start.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    if (!(await settledWithin([...this.inFlight.values()], graceMs))) {
      this.abort.abort();
      await settledWithin([...this.inFlight.values()], 2_000);
    }
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }

  private async run(): Promise<void> {
    const limit = this.options.concurrency ?? 8;
    // Long enough that a live attempt is never taken by another process.
    const leaseMs = 2 * this.timeoutMs + 30_000;
    while (this.running) {
      this.woken = false;
      let claimed: Delivery[] = [];
      let failed = false;
      const free = limit - this.inFlight.size;
      if (free > 0) {
        try {
          claimed = await this.store.claimDeliveries(this.now(), leaseMs, free);
        } catch (err) {
          failed = true;
          this.options.onError?.(err);
        }
      }
      for (const delivery of claimed) this.launch(delivery);
      if (!this.running) break;
      if (claimed.length === free && free > 0) continue;
      await this.sleep(failed ? (this.options.pollMs ?? 1_000) : await this.idleMs());
    }
  }

  private launch(delivery: Delivery): void {
    const work = this.attempt(delivery)
      .catch((err: unknown) => this.options.onError?.(err))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
    this.inFlight.set(delivery.id, work);
  }

  /** How long to wait before looking again: until the next delivery is due, at most pollMs. */
  private async idleMs(): Promise<number> {
    const poll = this.options.pollMs ?? 1_000;
    if (this.inFlight.size >= (this.options.concurrency ?? 8)) return poll;
    try {
      const next = await this.store.nextDeliveryAt();
      return next === undefined ? poll : Math.min(poll, Math.max(0, next - this.now()));
    } catch {
      return poll;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.sleeper = { timer, resolve: done };
    });
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const at = this.now();
    const started = performance.now();
    const result = await this.send(delivery);
    const ms = performance.now() - started;
    const outcome = settle(result, delivery.attempts, at, ms, this.schedule, this.options.random?.() ?? Math.random());
    // Interrupted by stop: due again at once when Cairn next starts, not after a backoff.
    if (this.abort.signal.aborted && outcome.outcome === 'retrying') outcome.update.nextAt = at;
    // Disable first: a crash in between leaves the delivery pending, and stopped when next claimed.
    if (outcome.disableWebhook) await this.store.disableWebhook(delivery.webhookId, this.now(), outcome.disableWebhook);
    const report: AttemptReport = { deliveryId: delivery.id, webhookId: delivery.webhookId, eventType: delivery.eventType, attempt: delivery.attempts + 1, outcome: outcome.outcome, ms: outcome.update.attempt.ms };
    if (outcome.update.attempt.status !== undefined) report.status = outcome.update.attempt.status;
    if (outcome.update.attempt.error !== undefined) report.error = outcome.update.attempt.error;
    this.options.onAttempt?.(report);
    await this.store.settleDelivery(delivery.id, outcome.update);
  }

  private async send(delivery: Delivery): Promise<AttemptResult> {
    const hook = await this.store.getWebhook(delivery.webhookId);
    if (!hook) return { kind: 'refused', error: 'not sent: the webhook was deleted', stop: true };
    if (hook.disabledAt !== undefined) return { kind: 'refused', error: `not sent: the webhook is disabled (${hook.disabledReason ?? 'no reason given'})`, stop: true };
    let target: PinnedTarget;
    try {
      target = await resolveTarget(parseWebhookUrl(hook.url), this.options.policy, this.timeoutMs);
    } catch (err) {
      // A refused address will not become acceptable by waiting; a host that does not resolve may.
      if (err instanceof TargetInvalid || err instanceof TargetRefused) return { kind: 'refused', error: `not sent: ${err.message}` };
      if (err instanceof TargetUnresolved) return { kind: 'error', error: err.message };
      throw err;
    }
    const signed = signWebhook(hook.secret, delivery.id, Math.floor(this.now() / 1000), delivery.payload);
    const headers = { ...signed, 'content-type': 'application/json', 'user-agent': this.options.userAgent ?? 'Cairn-Webhooks/1' };
    return postMessage(target, headers, delivery.payload, { timeoutMs: this.timeoutMs, signal: this.abort.signal });
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

async function settledWithin(work: Promise<unknown>[], ms: number): Promise<boolean> {
  if (work.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(work).then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
