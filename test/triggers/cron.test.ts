import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronSchedule, cronCursorName, cronStartKey } from '../../src/triggers/cron.js';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('CronSchedule', () => {
  it('reads the fields in UTC unless a time zone is given', () => {
    const from = ms('2026-01-10T12:00:00Z');
    expect(iso(new CronSchedule('0 3 * * *').next(from))).toBe('2026-01-11T03:00:00.000Z');
    // 03:00 in Berlin is 02:00 UTC in winter, 01:00 UTC in summer.
    expect(iso(new CronSchedule('0 3 * * *', 'Europe/Berlin').next(from))).toBe('2026-01-11T02:00:00.000Z');
    expect(iso(new CronSchedule('0 3 * * *', 'Europe/Berlin').next(ms('2026-07-10T12:00:00Z')))).toBe('2026-07-11T01:00:00.000Z');
  });

  it('next is strictly after the given time, in whole seconds', () => {
    const s = new CronSchedule('* * * * * *');
    expect(iso(s.next(ms('2026-01-01T00:00:00.000Z')))).toBe('2026-01-01T00:00:01.000Z');
    expect(iso(s.next(ms('2026-01-01T00:00:00.999Z')))).toBe('2026-01-01T00:00:01.000Z');
    expect(iso(new CronSchedule('*/15 * * * * *').next(ms('2026-01-01T00:00:14.500Z')))).toBe('2026-01-01T00:00:15.000Z');
  });

  it('latest is the one fire that makes up for all missed in a window', () => {
    const daily = new CronSchedule('0 3 * * *');
    // Down from Monday 02:00 to Thursday 10:00: three 03:00s were missed; the latest is Thursday's.
    expect(iso(daily.latest(ms('2026-01-05T02:00:00Z'), ms('2026-01-08T10:00:00Z')))).toBe('2026-01-08T03:00:00.000Z');
    // Nothing due: last fire at 03:00, now 10:00 the same day.
    expect(daily.latest(ms('2026-01-08T03:00:00Z'), ms('2026-01-08T10:00:00Z'))).toBeUndefined();
    // The window is (after, now]: a fire exactly at `now` counts, one exactly at `after` does not.
    expect(iso(daily.latest(ms('2026-01-07T03:00:00Z'), ms('2026-01-08T03:00:00Z')))).toBe('2026-01-08T03:00:00.000Z');
    // A per-second schedule missed for a year costs a binary search, not 31 million steps.
    expect(iso(new CronSchedule('* * * * * *').latest(ms('2025-01-01T00:00:00Z'), ms('2026-01-01T12:34:56.789Z')))).toBe('2026-01-01T12:34:56.000Z');
    // Irregular: every second of 03:00-03:59, nothing else; at 10:00 the latest is 03:59:59.
    expect(iso(new CronSchedule('* * 3 * * *').latest(ms('2026-01-07T00:00:00Z'), ms('2026-01-08T10:00:00Z')))).toBe('2026-01-08T03:59:59.000Z');
  });

  it('latest agrees with walking every fire one by one', () => {
    // Pattern and the longest window worth walking for it (walking is the slow way).
    const patterns: [string, number][] = [
      ['* * * * * *', 600_000],
      ['*/7 * * * * *', 3_600_000],
      ['0 */5 * * * *', 86_400_000],
      ['30 2 * * *', 40 * 86_400_000],
      ['0 0 * * 1', 60 * 86_400_000],
      ['0 0 1 * *', 300 * 86_400_000],
      ['15 10 * * 1-5', 40 * 86_400_000],
      ['0 0 29 2 *', 1500 * 86_400_000],
    ];
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
    const start = ms('2024-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.constantFrom(...patterns), fc.constantFrom(...zones), fc.integer({ min: 0, max: 400 * 86_400_000 }), fc.double({ min: 0, max: 1, noNaN: true }), ([pattern, longest], zone, offset, fraction) => {
        const s = new CronSchedule(pattern, zone);
        const after = start + offset;
        const now = after + Math.floor(fraction * longest);
        let walked: number | undefined;
        for (let t = s.next(after); t !== undefined && t <= now; t = s.next(t)) walked = t;
        expect(s.latest(after, now)).toBe(walked);
      }),
      { numRuns: 60 },
    );
  });

  it('says which expression it cannot read', () => {
    expect(() => new CronSchedule('61 * * * *')).toThrow("cron '61 * * * *' (UTC) cannot be read: Invalid value for minute: 61");
    expect(() => new CronSchedule('0 3 * * *', 'Mars/Olympus')).toThrow(/Mars\/Olympus/);
  });
});

describe('start keys and cursors', () => {
  it('name one fire of one trigger of one workflow', () => {
    expect(cronStartKey('nightly', 0, 1767236400000)).toBe('cron:nightly:0:1767236400000');
    expect(cronCursorName('nightly', 2)).toBe('cron:nightly:2');
  });
});
