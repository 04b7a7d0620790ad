/** Summary of a set of durations (ms): nearest-rank percentiles, so every figure is one that was measured. */
export interface DurationStats {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Undefined for an empty set: no figure rather than a made-up zero. */
export function durationStats(values: readonly number[]): DurationStats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50Ms: nearestRank(sorted, 0.5),
    p95Ms: nearestRank(sorted, 0.95),
    maxMs: sorted[sorted.length - 1] ?? 0,
    meanMs: Math.round(sum / sorted.length),
  };
}

/** The smallest value with at least `q` of the set at or below it. `sorted` is ascending and not empty. */
export function nearestRank(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? 0;
}
