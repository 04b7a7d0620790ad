/*
 * Runs over time, bucketed by when each run was created. The bucket size follows the span
 * so a terminal or a chart gets a readable number of points: hours up to two days, days up
 * to half a year, then weeks (starting on Monday). Buckets are UTC-aligned; empty ones are
 * kept, so the series has no gaps.
 */

export type Bucket = 'hour' | 'day' | 'week';

export type Outcome = 'succeeded' | 'failed' | 'cancelled' | 'inFlight';

export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch (UTC). */
  start: number;
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  inFlight: number;
}

export interface Series {
  bucket: Bucket;
  points: SeriesPoint[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** 1970-01-01 was a Thursday: Monday-aligned weeks start 3 days earlier. */
const WEEK_OFFSET = 3 * DAY;

export function bucketFor(spanMs: number): Bucket {
  if (spanMs <= 2 * DAY) return 'hour';
  if (spanMs <= 183 * DAY) return 'day';
  return 'week';
}

export function bucketStart(at: number, bucket: Bucket): number {
  if (bucket === 'hour') return Math.floor(at / HOUR) * HOUR;
  if (bucket === 'day') return Math.floor(at / DAY) * DAY;
  return Math.floor((at + WEEK_OFFSET) / (7 * DAY)) * 7 * DAY - WEEK_OFFSET;
}

function bucketLength(bucket: Bucket): number {
  return bucket === 'hour' ? HOUR : bucket === 'day' ? DAY : 7 * DAY;
}

/** Points from the bucket of `from` to the bucket of `to`, counting each run in its bucket. */
export function seriesOf(runs: ReadonlyArray<{ createdAt: number; outcome: Outcome }>, from: number, to: number): Series {
  const bucket = bucketFor(to - from);
  const step = bucketLength(bucket);
  const first = bucketStart(from, bucket);
  const points: SeriesPoint[] = [];
  for (let start = first; start <= to; start += step) points.push({ start, runs: 0, succeeded: 0, failed: 0, cancelled: 0, inFlight: 0 });
  for (const run of runs) {
    const point = points[Math.floor((bucketStart(run.createdAt, bucket) - first) / step)];
    if (!point) continue;
    point.runs += 1;
    point[run.outcome] += 1;
  }
  return { bucket, points };
}
