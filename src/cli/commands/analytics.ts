import type { Command } from 'commander';
import pc from 'picocolors';
import { CairnError } from '../../app/index.js';
import type { AnalyticsReport, Series, WaitStats, WorkflowAnalytics } from '../../app/analytics.js';
import { CliError, EXIT } from '../exit.js';
import { duration, table, time } from '../format.js';
import { openFrom } from '../open.js';

interface AnalyticsOptions {
  workflow?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** `cairn analytics`: figures from the event log, as a table (or the API's JSON with --json). */
export default async function analytics(opts: AnalyticsOptions, cmd: Command): Promise<number> {
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CliError(`--limit must be a positive whole number, got '${opts.limit}'`, EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const report = await cairn
      .analytics({ ...(opts.workflow !== undefined ? { workflowId: opts.workflow } : {}), ...(opts.since !== undefined ? { since: opts.since } : {}), ...(limit !== undefined ? { limit } : {}) })
      .catch((err: unknown) => {
        // The application names the field as the API does; on the command line it is a flag.
        if (err instanceof CairnError && typeof err.details.field === 'string') throw new CliError(`--${err.message}`, EXIT.usage);
        throw err;
      });
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(analyticsText(report, { width: process.stdout.columns ?? 100 }));
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** The report for a terminal: a summary sentence, a table per workflow, the runs over time, the failing steps. */
export function analyticsText(report: AnalyticsReport, opts: { width: number }): string {
  if (report.empty) return `${report.summary}\n${pc.dim('Run a workflow (cairn run <file>) and its figures show up here.')}\n`;
  const out = [report.summary, '', workflowTable(report), '', ...seriesLines(report.series, opts.width)];
  const failing = failingLines(report.workflows);
  if (failing.length > 0) out.push('', pc.bold('steps that fail most'), ...failing);
  return `${out.join('\n')}\n`;
}

/** One row per workflow (and a total); a wait column only when something waited, to fit 80 columns. */
function workflowTable(report: AnalyticsReport): string {
  type Figures = Pick<WorkflowAnalytics, 'runs' | 'succeeded' | 'failed' | 'successRate' | 'duration' | 'retries' | 'waits'>;
  const columns: Array<[string, (w: Figures) => string]> = [
    ['runs', (w) => String(w.runs)],
    ['ok', (w) => String(w.succeeded)],
    ['failed', (w) => (w.failed > 0 ? pc.red(String(w.failed)) : '0')],
    ['success', (w) => rate(w.successRate)],
    ['p50', (w) => duration(w.duration?.p50Ms)],
    ['p95', (w) => duration(w.duration?.p95Ms)],
    ['max', (w) => duration(w.duration?.maxMs)],
    ['retries', (w) => String(w.retries)],
  ];
  const { task, approval } = report.totals.waits;
  if (task.decided + task.open > 0) columns.push(['task wait', (w) => waited(w.waits.task)]);
  if (approval.decided + approval.open > 0) columns.push(['approval wait', (w) => waited(w.waits.approval)]);
  const row = (name: string, w: Figures) => [name, ...columns.map(([, cell]) => cell(w))];
  const rows = [['workflow', ...columns.map(([h]) => h)].map((h) => pc.dim(h)), ...report.workflows.map((w) => row(w.workflowId, w))];
  if (report.workflows.length > 1) rows.push(row(pc.bold('all'), report.totals));
  return table(rows);
}

function rate(r: number | undefined): string {
  if (r === undefined) return pc.dim('-');
  const text = `${Math.round(r * 1000) / 10}%`;
  return r >= 0.95 ? pc.green(text) : r >= 0.8 ? pc.yellow(text) : pc.red(text);
}

/** Total time waited, and how many waits ("12m03s / 4"); open ones are flagged. */
function waited(w: WaitStats): string {
  if (w.decided === 0 && w.open === 0) return pc.dim('-');
  const decided = w.decided > 0 ? `${duration(w.totalMs)} / ${w.decided}` : '';
  const open = w.open > 0 ? pc.yellow(`${w.open} open`) : '';
  return [decided, open].filter((s) => s !== '').join(', ');
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Two sparklines (all runs, failed runs) over the newest buckets that fit the terminal. */
function seriesLines(series: Series, width: number): string[] {
  const label = 12;
  const fit = Math.max(10, width - label - 2);
  const points = series.points.slice(-fit);
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return [];
  const max = Math.max(1, ...points.map((p) => p.runs));
  const spark = (value: (p: (typeof points)[number]) => number, color: (s: string) => string) =>
    points.map((p) => (value(p) === 0 ? pc.dim('·') : color(BARS[Math.min(BARS.length - 1, Math.ceil((value(p) / max) * BARS.length) - 1)] ?? '▁'))).join('');
  const stamp = (ms: number) => (series.bucket === 'hour' ? time(ms).slice(0, 16) : time(ms).slice(0, 10));
  const sum = (k: 'runs' | 'succeeded' | 'failed' | 'cancelled' | 'inFlight') => points.reduce((a, p) => a + p[k], 0);
  return [
    pc.bold(`runs per ${series.bucket}`) + pc.dim(`, ${first === last ? stamp(first.start) : `${stamp(first.start)} to ${stamp(last.start)}`} (UTC), highest ${max}`),
    `${'all'.padEnd(label)}${spark((p) => p.runs, (s) => s)}  ${sum('runs')}`,
    `${'failed'.padEnd(label)}${spark((p) => p.failed, pc.red)}  ${sum('failed')}`,
    pc.dim(`${sum('succeeded')} succeeded, ${sum('failed')} failed, ${sum('cancelled')} cancelled, ${sum('inFlight')} in flight`),
  ];
}

function failingLines(workflows: WorkflowAnalytics[]): string[] {
  const lines: string[] = [];
  for (const w of workflows) {
    for (const s of w.failingSteps) {
      lines.push(`${w.workflowId} ${pc.dim('›')} ${s.step}  ${s.failures} failed attempt${s.failures === 1 ? '' : 's'}${pc.dim(`, ${s.finalFailures} final`)}`);
      for (const e of s.errors) lines.push(`    ${String(e.count).padStart(4)}×  ${pc.dim(e.code)}  ${e.message}`);
    }
  }
  return lines;
}
