import type { Run, RunEvent } from '../engine/types.js';
import type { LogLine } from '../store/store.js';

/** What the runtime tells its listeners, after the facts are durable. */
export type LiveMessage =
  | { kind: 'event'; event: RunEvent; run: Run }
  | { kind: 'log'; line: LogLine }
  | { kind: 'released'; runId: string }
  /** A group commit failed (the disk is full, the store is down): these runs' inputs were not recorded. */
  | { kind: 'write-failed'; runIds: string[]; error: unknown };

export type LiveListener = (message: LiveMessage) => void;

/** A tiny typed fan-out; listeners must not throw (a throwing listener is dropped). */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(message: LiveMessage): void {
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        this.listeners.delete(listener);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
