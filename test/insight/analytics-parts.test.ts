import { describe, expect, it } from 'vitest';
import { durationStats, nearestRank } from '../../src/insight/analytics-percentile.js';
import { bucketFor, bucketStart, seriesOf } from '../../src/insight/analytics-series.js';
import { parseSince } from '../../src/insight/analytics-since.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const DAY = 86_400_000;

describe('percentiles', () => {
  it('are nearest-rank: always a measured value', () => {
    expect(nearestRank([5], 0.95)).toBe(5);
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0.95)).toBe(4);
    expect(durationStats([30, 10, 20])).toEqual({ count: 3, p50Ms: 20, p95Ms: 30, maxMs: 30, meanMs: 20 });
    expect(durationStats([])).toBeUndefined();
  });
});

describe('--since', () => {
  it('reads durations back from now and dates (UTC unless zoned)', () => {
    expect(parseSince('24h', NOW)).toEqual({ at: NOW - DAY });
    expect(parseSince('7d', NOW)).toEqual({ at: NOW - 7 * DAY });
    expect(parseSince('2w', NOW)).toEqual({ at: NOW - 14 * DAY });
    expect(parseSince('90m', NOW)).toEqual({ at: NOW - 90 * 60_000 });
    expect(parseSince(' 1.5h ', NOW)).toEqual({ at: NOW - 5_400_000 });
    expect(parseSince('2026-11-01', NOW)).toEqual({ at: Date.UTC(2026, 10, 1) });
    expect(parseSince('2026-11-01T08:30', NOW)).toEqual({ at: Date.UTC(2026, 10, 1, 8, 30) });
    expect(parseSince('2026-11-01 08:30:00+02:00', NOW)).toEqual({ at: Date.UTC(2026, 10, 1, 6, 30) });
  });

  it('refuses anything else, saying what it expects', () => {
    for (const bad of ['', 'yesterday', '7', '7 days', '-1d', '2026-13-45', '2026-11-1']) {
      expect(parseSince(bad, NOW), bad).toEqual({ error: expect.stringContaining(`expected a duration back from now (90m, 24h, 7d, 2w) or a date`) });
    }
    expect(parseSince('2027-01-01', NOW)).toEqual({ error: "'2027-01-01' is in the future" });
  });
});

describe('time series buckets', () => {
  it('hours up to two days, days up to half a year, then Monday-aligned weeks', () => {
    expect(bucketFor(2 * DAY)).toBe('hour');
    expect(bucketFor(2 * DAY + 1)).toBe('day');
    expect(bucketFor(183 * DAY)).toBe('day');
    expect(bucketFor(200 * DAY)).toBe('week');
    expect(bucketStart(Date.UTC(2026, 10, 21, 12, 34), 'hour')).toBe(Date.UTC(2026, 10, 21, 12));
    expect(bucketStart(Date.UTC(2026, 10, 21, 12, 34), 'day')).toBe(Date.UTC(2026, 10, 21));
    // 2026-11-21 is a Saturday; its week began on Monday 2026-11-16.
    expect(bucketStart(Date.UTC(2026, 10, 21, 12, 34), 'week')).toBe(Date.UTC(2026, 10, 16));
    expect(bucketStart(Date.UTC(2026, 10, 16), 'week')).toBe(Date.UTC(2026, 10, 16));
  });

  it('daily points from the start of the window to now, no gaps', () => {
    const series = seriesOf(
      [
        { createdAt: NOW - 3 * DAY, outcome: 'failed' },
        { createdAt: NOW - 3 * DAY + 1, outcome: 'succeeded' },
        { createdAt: NOW, outcome: 'cancelled' },
      ],
      NOW - 7 * DAY,
      NOW,
    );
    expect(series.bucket).toBe('day');
    expect(series.points).toHaveLength(8);
    expect(series.points.map((p) => p.runs)).toEqual([0, 0, 0, 0, 2, 0, 0, 1]);
    expect(series.points[4]).toMatchObject({ succeeded: 1, failed: 1 });
    expect(series.points[7]).toMatchObject({ cancelled: 1, start: Date.UTC(2026, 10, 21) });
  });
});
