import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type ActionContext } from './action.js';
import { CoverageError, METRICS, percent, readCoverage, type Metric } from './coverage.js';
import { MAX_LISTED_HITS, scanDenylist, type DenylistSpec } from './denylist.js';
import { runProcess } from './spawned-process.js';

/**
 * How each kind of gate check runs. A check never throws for a failing condition or a
 * missing file: it reports `passed: false` with the evidence. Only an abort propagates.
 */

export type Check =
  | { kind: 'assert'; value: unknown }
  | { kind: 'coverage'; spec: CoverageSpec }
  | { kind: 'denylist'; spec: DenylistSpec }
  | { kind: 'file_exists'; path: string }
  | { kind: 'command_succeeds'; spec: { argv: string[]; cwd?: string | undefined } };

export type CheckKind = Check['kind'];

export type CoverageSpec = { file: string } & Partial<Record<Metric, number>>;

export interface Outcome {
  passed: boolean;
  /** One line for people: what was compared and the result. */
  summary: string;
  evidence: Record<string, unknown>;
}

type Ctx = ActionContext<unknown>;

export function runCheck(check: Check, ctx: Ctx): Promise<Outcome> {
  switch (check.kind) {
    case 'assert':
      return Promise.resolve(assertion(check.value));
    case 'coverage':
      return coverage(check.spec, ctx.workdir);
    case 'denylist':
      return denylist(check.spec, ctx);
    case 'file_exists':
      return fileExists(check.path, ctx.workdir);
    case 'command_succeeds':
      return commandSucceeds(check.spec, ctx);
  }
}

/** A short, single-line rendering of any value, for summaries. */
export function shortJson(value: unknown, max = 200): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function assertion(value: unknown): Outcome {
  // Evidence holds the value itself only when it is small: it is stored in the event log.
  const small = (JSON.stringify(value) ?? '').length <= 1000;
  const evidence = { value: value === undefined ? null : small ? value : shortJson(value, 1000) };
  if (value === true) return { passed: true, summary: 'true', evidence };
  const why = typeof value === 'boolean' ? 'false' : `${shortJson(value)}, not a boolean`;
  return { passed: false, summary: `assertion is ${why}`, evidence };
}

async function coverage(spec: CoverageSpec, workdir: string): Promise<Outcome> {
  const where = `(${spec.file})`;
  let report;
  try {
    report = await readCoverage(resolve(workdir, spec.file));
  } catch (error) {
    const why = fileProblem(error);
    return { passed: false, summary: `cannot read the coverage report: ${why} ${where}`, evidence: { file: spec.file, error: why } };
  }
  const metrics: Record<string, unknown> = {};
  const below: string[] = [];
  const met: string[] = [];
  for (const metric of METRICS) {
    const threshold = spec[metric];
    if (threshold === undefined) continue;
    const tally = report.metrics[metric];
    if (tally === undefined) {
      metrics[metric] = { threshold, actual: null, passed: false };
      below.push(`${metric} not reported by this ${report.format} file`);
      continue;
    }
    const actual = percent(tally);
    const passed = actual >= threshold;
    metrics[metric] = { threshold, actual: round(actual), covered: tally.covered, total: tally.total, passed };
    (passed ? met : below).push(`${metric} ${shown(actual)}% ${passed ? '>=' : '<'} ${threshold}%`);
  }
  const evidence = { file: spec.file, format: report.format, metrics };
  if (below.length > 0) return { passed: false, summary: `coverage below threshold: ${below.join(', ')} ${where}`, evidence };
  return { passed: true, summary: `coverage meets thresholds: ${met.join(', ')} ${where}`, evidence };
}

/** Two decimals, rounded down: 84.999% must not read as 85% next to "< 85%". */
function shown(value: number): number {
  return Math.floor(value * 100 + 1e-9) / 100;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function denylist(spec: DenylistSpec, ctx: Ctx): Promise<Outcome> {
  let scan;
  try {
    scan = await scanDenylist(spec, ctx.workdir, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw abortedFailure(ctx.signal.reason);
    const why = error instanceof Error ? error.message : String(error);
    return { passed: false, summary: `cannot scan: ${why}`, evidence: { error: why } };
  }
  const evidence = {
    files_scanned: scan.filesScanned,
    hit_count: scan.hitCount,
    hits: scan.hits,
    ...(scan.hitCount > MAX_LISTED_HITS ? { hits_listed: MAX_LISTED_HITS } : {}),
    ...(scan.truncated.length > 0 ? { truncated_files: scan.truncated } : {}),
    ...(scan.binary.length > 0 ? { binary_files_skipped: scan.binary } : {}),
  };
  const files = `${scan.filesScanned} file${scan.filesScanned === 1 ? '' : 's'}`;
  if (scan.hitCount === 0) return { passed: true, summary: `no denylist hits in ${files}`, evidence };
  const listed = scan.hits.slice(0, 10).map((h) => `${h.file}:${h.line} (${h.pattern}: ${h.match})`);
  const more = scan.hitCount > listed.length ? `, and ${scan.hitCount - listed.length} more` : '';
  return { passed: false, summary: `${scan.hitCount} denylist hit${scan.hitCount === 1 ? '' : 's'} in ${files}: ${listed.join(', ')}${more}`, evidence };
}

async function fileExists(path: string, workdir: string): Promise<Outcome> {
  try {
    const info = await stat(resolve(workdir, path));
    const type = info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
    return { passed: true, summary: `${path} exists (${type})`, evidence: { path, exists: true, type } };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { passed: false, summary: `${path} does not exist`, evidence: { path, exists: false } };
    const why = fileProblem(error);
    return { passed: false, summary: `cannot check ${path}: ${why}`, evidence: { path, exists: null, error: why } };
  }
}

async function commandSucceeds(spec: { argv: string[]; cwd?: string | undefined }, ctx: Ctx): Promise<Outcome> {
  const [program = '', ...args] = spec.argv;
  const shownArgv = commandLine(spec.argv);
  const env: NodeJS.ProcessEnv = Object.create(process.env) as NodeJS.ProcessEnv;
  env.CAIRN_RUN_ID = ctx.runId;
  env.CAIRN_STEP = ctx.step;
  env.CAIRN_ATTEMPT = String(ctx.attempt);
  const base = { argv: spec.argv, ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }) };
  try {
    const exit = await runProcess(
      { program, args, cwd: spec.cwd === undefined ? ctx.workdir : resolve(ctx.workdir, spec.cwd), env },
      { log: (stream, line) => ctx.log(stream, line), signal: ctx.signal, ...(ctx.onProcess ? { onSpawn: ctx.onProcess } : {}) },
    );
    const last = exit.stderr.lastLine();
    const evidence = { ...base, exit_code: exit.code, signal: exit.signal, stderr_last_line: last ?? null };
    if (exit.code === 0) return { passed: true, summary: `${shownArgv} succeeded`, evidence };
    const how = exit.code === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.code}`;
    return { passed: false, summary: `${shownArgv} ${how}${last ? `: ${last}` : ''}`, evidence };
  } catch (error) {
    if (!(error instanceof ActionFailure) || error.code === 'ABORTED') throw error;
    return { passed: false, summary: `${shownArgv} could not start: ${error.message}`, evidence: { ...base, error: error.message } };
  }
}

/** The argv as a person would type it, quoting what needs it. */
export function commandLine(argv: string[]): string {
  const text = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function fileProblem(error: unknown): string {
  if (error instanceof CoverageError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a file';
  return error instanceof Error ? error.message : String(error);
}
