import { readFile, stat } from 'node:fs/promises';

/**
 * Coverage totals from the two formats test runners write: istanbul's
 * `coverage-summary.json` (the `json-summary` reporter: its `total` block) and lcov
 * (`lcov.info`: LF/LH, BRF/BRH, FNF/FNH summed over the file records, or counted from
 * DA/BRDA/FNDA lines when a record lacks its totals).
 */

export const METRICS = ['lines', 'branches', 'functions', 'statements'] as const;
export type Metric = (typeof METRICS)[number];

export interface Tally {
  covered: number;
  total: number;
}

export interface CoverageReport {
  format: 'istanbul' | 'lcov';
  /** Absent when the format does not report the metric (lcov has no statements). */
  metrics: Partial<Record<Metric, Tally>>;
}

/** Larger than any real report; a bound so a wrong path cannot make Cairn read a disk image. */
export const MAX_COVERAGE_BYTES = 128 * 1024 * 1024;

/** A report Cairn cannot read: the message says why, for the gate's evidence. */
export class CoverageError extends Error {}

export async function readCoverage(path: string): Promise<CoverageReport> {
  const info = await stat(path);
  if (!info.isFile()) throw new CoverageError('not a file');
  if (info.size > MAX_COVERAGE_BYTES) throw new CoverageError(`larger than ${MAX_COVERAGE_BYTES / 1024 / 1024} MiB`);
  return parseCoverage(await readFile(path, 'utf8'));
}

export function parseCoverage(text: string): CoverageReport {
  if (text.trimStart().startsWith('{')) return parseIstanbulSummary(text);
  if (/^(SF|TN):/m.test(text) || /^end_of_record\s*$/m.test(text)) return parseLcov(text);
  throw new CoverageError('neither an istanbul coverage-summary.json nor an lcov file');
}

/** Covered share in percent; nothing to cover counts as fully covered, as istanbul reports it. */
export function percent(t: Tally): number {
  // Multiplying first keeps whole results exact (17 of 20 is 85, not 84.99999999999999).
  return t.total === 0 ? 100 : (t.covered * 100) / t.total;
}

function parseIstanbulSummary(text: string): CoverageReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CoverageError(`not valid JSON: ${(error as Error).message}`);
  }
  const total = (data as { total?: unknown } | null)?.total;
  if (total === null || typeof total !== 'object') {
    throw new CoverageError('a JSON file without a `total` block: write it with istanbul\'s json-summary reporter (coverage-summary.json)');
  }
  const metrics: CoverageReport['metrics'] = {};
  for (const metric of METRICS) {
    const tally = summaryTally((total as Record<string, unknown>)[metric]);
    if (tally) metrics[metric] = tally;
  }
  if (Object.keys(metrics).length === 0) throw new CoverageError('its `total` block has none of lines, branches, functions, statements');
  return { format: 'istanbul', metrics };
}

/** `{ total, covered, pct }`; pct alone (no counts) is read as covered of 100. */
function summaryTally(entry: unknown): Tally | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  const { total, covered, pct } = entry as Record<string, unknown>;
  if (isCount(total) && isCount(covered)) return { covered: Math.min(covered, total), total };
  if (typeof pct === 'number' && pct >= 0 && pct <= 100) return { covered: pct, total: 100 };
  return undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** One lcov record's counts: the summary lines win over the per-item lines. */
interface LcovRecord {
  summary: Partial<Record<'LF' | 'LH' | 'BRF' | 'BRH' | 'FNF' | 'FNH', number>>;
  lines: Tally;
  branches: Tally;
  functions: Tally;
}

function parseLcov(text: string): CoverageReport {
  const sums: Record<'lines' | 'branches' | 'functions', Tally> = {
    lines: { covered: 0, total: 0 },
    branches: { covered: 0, total: 0 },
    functions: { covered: 0, total: 0 },
  };
  let record = emptyRecord();
  let open = false;
  const close = (): void => {
    add(sums.lines, record.summary.LF, record.summary.LH, record.lines);
    add(sums.branches, record.summary.BRF, record.summary.BRH, record.branches);
    add(sums.functions, record.summary.FNF, record.summary.FNH, record.functions);
    record = emptyRecord();
    open = false;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === 'end_of_record') {
      close();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    open = true;
    readLcovLine(record, line.slice(0, colon), line.slice(colon + 1));
  }
  if (open) close();
  return { format: 'lcov', metrics: sums };
}

function readLcovLine(record: LcovRecord, key: string, value: string): void {
  const fields = value.split(',');
  switch (key) {
    case 'LF':
    case 'LH':
    case 'BRF':
    case 'BRH':
    case 'FNF':
    case 'FNH': {
      const n = Number(value);
      if (isCount(n)) record.summary[key] = n;
      return;
    }
    case 'DA':
      count(record.lines, Number(fields[1]) > 0);
      return;
    case 'BRDA':
      count(record.branches, fields[3] !== undefined && fields[3] !== '-' && Number(fields[3]) > 0);
      return;
    case 'FNDA': // FNDA:<hits>,<name>
      count(record.functions, Number(fields[0]) > 0);
      return;
    case 'FNA': // lcov 2: FNA:<index>,<hits>,<name>
      count(record.functions, Number(fields[1]) > 0);
      return;
  }
}

function add(sum: Tally, found: number | undefined, hit: number | undefined, counted: Tally): void {
  if (found !== undefined) {
    sum.total += found;
    sum.covered += Math.min(hit ?? 0, found);
  } else {
    sum.total += counted.total;
    sum.covered += counted.covered;
  }
}

function count(tally: Tally, covered: boolean): void {
  tally.total++;
  if (covered) tally.covered++;
}

function emptyRecord(): LcovRecord {
  return { summary: {}, lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 }, functions: { covered: 0, total: 0 } };
}
