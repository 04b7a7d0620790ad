/** "3.2 s", "4 min 10 s", "2 h 5 min": durations as people read them. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

export function when(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return new Date(ms).toLocaleString();
}

/** A run's or step's elapsed time: to its end, or to now while it goes on. */
export function elapsed(start: number | undefined, end: number | undefined, now = Date.now()): number | undefined {
  if (start === undefined) return undefined;
  return (end ?? now) - start;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? '';
}
