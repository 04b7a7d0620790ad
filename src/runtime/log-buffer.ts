import type { LogLine, Store } from '../store/store.js';

/**
 * Step output arrives line by line; writing each line in its own transaction would cost a
 * disk sync per line. Lines are buffered and written in batches, off the event path.
 */
export class LogBuffer {
  private lines: LogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 50,
    private readonly maxLines = 500,
  ) {}

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length >= this.maxLines) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.lines;
    this.lines = [];
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(() => this.store.appendLogs(batch)).catch(this.onError);
    return this.writing;
  }
}
