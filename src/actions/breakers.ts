import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy, type Policy } from 'cockatiel';
import { ActionFailure } from './action.js';

/**
 * Circuit breakers for `http` steps, one per target host, per process (cockatiel). After
 * `failures` consecutive failures a host's breaker opens: requests to it fail at once with
 * CIRCUIT_OPEN instead of piling onto a host that is down. After `halfOpenAfterMs` one
 * trial request goes through; its success closes the breaker, its failure opens it again.
 *
 * Only trouble on the host's side counts: a network error, a timeout, a 5xx answer. A 4xx
 * is the caller's mistake and proves the host is up.
 */

export interface BreakerOptions {
  /** Consecutive failures that open a host's breaker (default 5). */
  failures?: number;
  /** How long a breaker stays open before one trial request (default 30 s). */
  halfOpenAfterMs?: number;
}

export type BreakerStatus = 'closed' | 'open' | 'half-open';

/** One host's breaker as the API and metrics show it. */
export interface BreakerState {
  /** `hostname[:port]` as in the step's URL. */
  host: string;
  state: BreakerStatus;
  /** Consecutive failures so far (reset by a success). */
  failures: number;
  /** When the breaker last opened (ms since the epoch), while it is open or half-open. */
  openedAt?: number;
  /** When an open breaker lets a trial request through. */
  retryAt?: number;
}

export const DEFAULT_BREAKER_FAILURES = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 30_000;

/** Hosts remembered at most; beyond that, healthy ones are forgotten first. */
const MAX_HOSTS = 1000;

/** Step failure codes that say the host is in trouble (the others are the request's fault). */
const HOST_FAILURE_CODES = new Set(['HTTP_NETWORK', 'HTTP_TIMEOUT']);

/** A cockatiel breaker with its failure counter and when it last opened. */
export interface CountedBreaker {
  policy: CircuitBreakerPolicy;
  counter: ConsecutiveBreaker;
  openedAt?: number;
}

type HostBreaker = CountedBreaker;

/**
 * A breaker that opens after `failures` consecutive failures that `handled` selects, lets
 * one trial through after `halfOpenAfterMs`, and remembers when it last opened.
 */
export function countedBreaker(handled: Policy, failures: number, halfOpenAfterMs: number): CountedBreaker {
  const counter = new ConsecutiveBreaker(failures);
  const policy = circuitBreaker(handled, { halfOpenAfter: halfOpenAfterMs, breaker: counter });
  const breaker: CountedBreaker = { policy, counter };
  policy.onBreak(() => (breaker.openedAt = Date.now()));
  policy.onReset(() => delete breaker.openedAt);
  return breaker;
}

/** State, consecutive failures and timing of one breaker (for listings and messages). */
export function readBreaker(breaker: CountedBreaker, halfOpenAfterMs: number): Omit<BreakerState, 'host'> {
  const state = statusOf(breaker.policy.state);
  const out: Omit<BreakerState, 'host'> = { state, failures: breaker.counter.state };
  if (state !== 'closed' && breaker.openedAt !== undefined) {
    out.openedAt = breaker.openedAt;
    if (state === 'open') out.retryAt = breaker.openedAt + halfOpenAfterMs;
  }
  return out;
}

export class Breakers {
  readonly failures: number;
  readonly halfOpenAfterMs: number;
  private readonly hosts = new Map<string, HostBreaker>();

  constructor(options: BreakerOptions = {}) {
    this.failures = options.failures ?? DEFAULT_BREAKER_FAILURES;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
    if (!Number.isInteger(this.failures) || this.failures < 1) throw new Error(`breaker failures must be a whole number >= 1, got ${this.failures}`);
    if (!(this.halfOpenAfterMs >= 0)) throw new Error(`breaker halfOpenAfterMs must be >= 0, got ${this.halfOpenAfterMs}`);
  }

  /**
   * Send a request to `url`'s host through its breaker. `send` answers with a status
   * (a 5xx counts as a failure but is still returned) or throws an ActionFailure (HTTP_NETWORK
   * and HTTP_TIMEOUT count). An open breaker throws CIRCUIT_OPEN without calling `send`.
   */
  async execute<T extends { status: number }>(url: string, send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const host = hostOf(url);
    const breaker = this.breakerFor(host);
    try {
      return await untilAborted(breaker.policy.execute(send, signal), signal);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.openFailure(host, breaker);
      throw error;
    }
  }

  /** Every host's breaker, hosts in the order first seen. */
  list(): BreakerState[] {
    return [...this.hosts].map(([host, breaker]) => this.stateOf(host, breaker));
  }

  private stateOf(host: string, breaker: HostBreaker): BreakerState {
    return { host, ...readBreaker(breaker, this.halfOpenAfterMs) };
  }

  private breakerFor(host: string): HostBreaker {
    const known = this.hosts.get(host);
    if (known) return known;
    if (this.hosts.size >= MAX_HOSTS) this.forgetOne();
    const breaker = countedBreaker(
      handleWhen((error) => error instanceof ActionFailure && HOST_FAILURE_CODES.has(error.code)).orWhenResult((result) => (result as { status: number }).status >= 500),
      this.failures,
      this.halfOpenAfterMs,
    );
    this.hosts.set(host, breaker);
    return breaker;
  }

  /** Make room: drop the oldest closed breaker (a healthy host costs nothing to learn again). */
  private forgetOne(): void {
    let fallback: string | undefined;
    for (const [host, breaker] of this.hosts) {
      if (breaker.policy.state !== CircuitState.Closed) continue;
      if (breaker.counter.state === 0) {
        this.hosts.delete(host);
        return;
      }
      fallback ??= host;
    }
    this.hosts.delete(fallback ?? (this.hosts.keys().next().value as string));
  }

  private openFailure(host: string, breaker: HostBreaker): ActionFailure {
    const state = this.stateOf(host, breaker);
    const retryAt = state.retryAt ?? Date.now();
    const wait = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    const when = state.state === 'half-open' ? 'a trial request is in flight' : `the next request goes through at ${new Date(retryAt).toISOString()} (in ${wait} s)`;
    const message = `circuit open for ${host} after ${state.failures} consecutive failures (network errors, timeouts or 5xx); ${when}`;
    return new ActionFailure(message, 'CIRCUIT_OPEN', { host, failures: state.failures, ...(state.openedAt !== undefined ? { openedAt: state.openedAt } : {}), retryAt });
  }
}

/**
 * While a trial request is in flight, cockatiel holds other callers until it ends, deaf to
 * their signals: a cancelled step must not wait for someone else's request.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(signal.reason as Error);
    signal.addEventListener('abort', stop, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', stop));
}

/** The breaker key of a URL: `hostname[:port]`, lower-case (the port only when not the default). */
export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

function statusOf(state: CircuitState): BreakerStatus {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'open';
  }
}
