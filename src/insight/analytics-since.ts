/*
 * `--since` / `since=`: how far back analytics look. A duration counts back from now
 * (`90m`, `24h`, `7d`, `2w`); a date or date-time (ISO 8601, UTC unless it says otherwise)
 * is a point in time.
 */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(m|h|d|w)$/;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export type SinceResult = { at: number } | { error: string };

export function parseSince(text: string, now: number): SinceResult {
  const value = text.trim();
  const duration = DURATION.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    return { at: Math.round(now - ms) };
  }
  if (DATE.test(value)) {
    // A bare date or a date-time without a zone is read as UTC, so every host agrees.
    const iso = value.replace(' ', 'T');
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(iso) || iso.length === 10 ? iso : `${iso}Z`;
    const at = Date.parse(zoned);
    if (Number.isFinite(at)) return at > now ? { error: `'${text}' is in the future` } : { at };
  }
  return { error: `expected a duration back from now (90m, 24h, 7d, 2w) or a date (2026-11-01, 2026-11-01T08:00Z); got '${text}'` };
}
