import { describe, expect, it } from 'vitest';
import { CoverageError, parseCoverage, percent } from '../../src/actions/coverage.js';

describe('coverage reports', () => {
  it('reads the total block of an istanbul coverage-summary.json', () => {
    const summary = {
      total: {
        lines: { total: 200, covered: 145, skipped: 0, pct: 72.5 },
        statements: { total: 210, covered: 150, skipped: 0, pct: 71.42 },
        functions: { total: 40, covered: 36, skipped: 0, pct: 90 },
        branches: { total: 0, covered: 0, skipped: 0, pct: 'Unknown' },
      },
      '/src/a.ts': { lines: { total: 1, covered: 0, pct: 0 } },
    };
    const report = parseCoverage(JSON.stringify(summary));
    expect(report.format).toBe('istanbul');
    expect(report.metrics.lines).toStrictEqual({ covered: 145, total: 200 });
    expect(percent(report.metrics.lines!)).toBe(72.5);
    expect(percent(report.metrics.branches!)).toBe(100);
    expect(percent(report.metrics.statements!)).toBeCloseTo(71.428, 2);
  });

  it('sums lcov records, from their totals or from their DA/BRDA/FNDA lines', () => {
    const lcov = [
      'TN:',
      'SF:/src/a.ts',
      'FN:1,a',
      'FNDA:3,a',
      'FNF:2',
      'FNH:1',
      'DA:1,3',
      'DA:2,0',
      'LF:10',
      'LH:8',
      'BRDA:1,0,0,1',
      'BRDA:1,0,1,-',
      'BRF:4',
      'BRH:3',
      'end_of_record',
      'SF:/src/b.ts',
      'FN:1,b',
      'FN:5,c',
      'FNDA:0,b',
      'FNDA:2,c',
      'DA:1,1',
      'DA:2,0',
      'DA:3,5',
      'BRDA:2,0,0,-',
      'BRDA:2,0,1,0',
      'BRDA:2,0,2,7',
      'end_of_record',
      '',
    ].join('\r\n');
    const report = parseCoverage(lcov);
    expect(report.format).toBe('lcov');
    expect(report.metrics).toStrictEqual({
      lines: { covered: 10, total: 13 },
      branches: { covered: 4, total: 7 },
      functions: { covered: 2, total: 4 },
    });
    expect(report.metrics.statements).toBeUndefined();
  });

  it('reads a last record that lacks end_of_record', () => {
    expect(parseCoverage('SF:x\nLF:4\nLH:1\n').metrics.lines).toStrictEqual({ covered: 1, total: 4 });
  });

  it('says what is wrong with a file it cannot read', () => {
    expect(() => parseCoverage('{ nope')).toThrow(/not valid JSON/);
    expect(() => parseCoverage('{"a.ts": {}}')).toThrow(/without a `total` block.*json-summary/);
    expect(() => parseCoverage('{"total": {"x": 1}}')).toThrow(/none of lines/);
    expect(() => parseCoverage('hello world')).toThrow(CoverageError);
    expect(() => parseCoverage('hello world')).toThrow(/neither an istanbul coverage-summary.json nor an lcov file/);
  });

  it('computes whole percentages exactly', () => {
    expect(percent({ covered: 17, total: 20 })).toBe(85);
    expect(percent({ covered: 29, total: 100 })).toBe(29);
  });
});
