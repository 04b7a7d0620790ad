/**
 * Counts failed authentications per client address in fixed windows: past `max` in one
 * window, the address is refused (429) until the window ends, whatever key it sends.
 * In memory, per server process: it slows guessing, it is not an audit log.
 */
export class FailedAuthLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Milliseconds until the address may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const w = this.current(address);
    return w && w.failures >= this.max ? w.start + this.windowMs - this.clock() : 0;
  }

  fail(address: string): void {
    const w = this.current(address) ?? { start: this.clock(), failures: 0 };
    w.failures += 1;
    this.windows.set(address, w);
    // Keep the map from growing without bound under a spray of addresses.
    if (this.windows.size > 10_000) this.sweep();
  }

  private current(address: string): { start: number; failures: number } | undefined {
    const w = this.windows.get(address);
    if (w && this.clock() - w.start >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return w;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [address, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(address);
  }
}
