import type { LogLine } from '../store.js';
import type { Statements } from './statements.js';
import { toLogLine } from './rows.js';

/** One line longer than this is cut: a runaway step must not bloat the store. */
export const MAX_LOG_LINE_BYTES = 64 * 1024;

export function appendLogs(s: Statements, lines: LogLine[]): void {
  for (const l of lines) s.insertLog.run(l.runId, l.step, l.attempt, l.stream, capLine(l.line), l.at);
}

export function readLogs(
  s: Statements,
  runId: string,
  opts: { step?: string; afterId?: number; limit?: number },
): LogLine[] {
  const afterId = opts.afterId ?? 0;
  const limit = opts.limit ?? -1;
  const rows =
    opts.step === undefined
      ? s.readLogs.all(runId, afterId, limit)
      : s.readStepLogs.all(runId, opts.step, afterId, limit);
  return rows.map(toLogLine);
}

/** Cuts a line to MAX_LOG_LINE_BYTES of UTF-8 and says how much was dropped. */
export function capLine(line: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most lines need no byte count at all.
  if (line.length * 3 <= MAX_LOG_LINE_BYTES) return line;
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= MAX_LOG_LINE_BYTES) return line;
  // Decoding a cut in the middle of a character yields U+FFFD: drop it.
  const kept = bytes.subarray(0, MAX_LOG_LINE_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
  return `${kept}… [line truncated: ${bytes.length - Buffer.byteLength(kept)} more bytes]`;
}
