/** A "nice" upper bound for an axis of counts (steps of 1, 2, 5 × 10^n, never below 1) at or above `max`, and its ticks. */
export function niceScale(max: number, ticks = 4): { top: number; ticks: number[] } {
  if (!(max > 0)) return { top: 1, ticks: [0, 1] };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const top = Math.ceil(max / step) * step;
  const out: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return { top, ticks: out };
}

/** The label of a series bucket: an hour as "14:00", a day as "21 Nov", a week as "week of 17 Nov" (UTC, as the buckets are). */
export function bucketLabel(start: number, bucket: 'hour' | 'day' | 'week'): string {
  const d = new Date(start);
  const day = `${d.getUTCDate()} ${d.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}`;
  if (bucket === 'hour') return `${day} ${String(d.getUTCHours()).padStart(2, '0')}:00`;
  return bucket === 'week' ? `week of ${day}` : day;
}

export function percent(rate: number | undefined): string {
  return rate === undefined ? '—' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
}
