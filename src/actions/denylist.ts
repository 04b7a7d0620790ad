import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { hasNestedQuantifier } from '../expressions/forbidden.js';

/**
 * The `denylist` gate check: regular expressions (e.g. secret shapes) over the files that
 * match a glob, reporting `file:line` of each hit. A hit shows only the first characters of
 * what matched: the evidence goes to the event log, and a gate that copies the secret it
 * found into the log would leak it a second time.
 */

export type PatternSpec = string | { name?: string | undefined; regex: string; flags?: string | undefined };

export interface DenylistSpec {
  patterns: PatternSpec[];
  files: string | string[];
  exclude?: string | string[] | undefined;
}

export interface DenylistHit {
  file: string;
  line: number;
  pattern: string;
  /** The start of the match and an ellipsis, never the whole match. */
  match: string;
}

export interface DenylistScan {
  hits: DenylistHit[];
  /** All hits, including those beyond MAX_LISTED_HITS. */
  hitCount: number;
  filesScanned: number;
  /** Files read only up to MAX_FILE_BYTES. */
  truncated: string[];
  /** Files skipped because they hold NUL bytes (binary). */
  binary: string[];
}

/** More files than this is a glob that is too wide: the check fails and says so. */
export const MAX_FILES = 10_000;
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_LISTED_HITS = 200;
/** Never scanned unless a pattern asks for them explicitly (through `files`, not exclude). */
export const DEFAULT_EXCLUDE = ['**/node_modules/**', '**/.git/**'];

const FLAGS = /^[imsu]*$/;

interface CompiledPattern {
  name: string;
  regex: RegExp;
}

/** Why a pattern cannot be used, or undefined when it can (the parameters schema asks this). */
export function patternProblem(spec: PatternSpec): string | undefined {
  const { regex, flags } = typeof spec === 'string' ? { regex: spec, flags: '' } : { regex: spec.regex, flags: spec.flags ?? '' };
  if (!FLAGS.test(flags)) return `flags may hold only i, m, s and u, not '${flags}'`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(regex, flags);
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  if (hasNestedQuantifier(regex)) {
    return `/${regex}/ repeats a group that itself repeats (like (a+)+), which can take exponential time on some lines; rewrite it without the nested repetition`;
  }
  if (compiled.test('')) return `/${regex}/ matches the empty string, so it would flag every line`;
  return undefined;
}

export function compilePattern(spec: PatternSpec): CompiledPattern {
  const problem = patternProblem(spec);
  if (problem !== undefined) throw new Error(problem);
  if (typeof spec === 'string') return { name: spec, regex: new RegExp(spec) };
  return { name: spec.name ?? spec.regex, regex: new RegExp(spec.regex, spec.flags ?? '') };
}

/** Scans the files under `workdir` that the spec selects. Throws when the glob selects too many. */
export async function scanDenylist(spec: DenylistSpec, workdir: string, signal: AbortSignal): Promise<DenylistScan> {
  const patterns = spec.patterns.map(compilePattern);
  const files = await selectFiles(spec, workdir, signal);
  const scan: DenylistScan = { hits: [], hitCount: 0, filesScanned: 0, truncated: [], binary: [] };
  for (const file of files) {
    signal.throwIfAborted();
    const { bytes, truncated } = await readHead(join(workdir, file));
    if (bytes.subarray(0, 8192).includes(0)) {
      scan.binary.push(file);
      continue;
    }
    scan.filesScanned++;
    if (truncated) scan.truncated.push(file);
    scanText(bytes.toString('utf8'), file, patterns, scan);
  }
  return scan;
}

async function selectFiles(spec: DenylistSpec, workdir: string, signal: AbortSignal): Promise<string[]> {
  // tinyglobby costs a few milliseconds to load: only workflows with a denylist pay for it.
  const { glob } = await import('tinyglobby');
  const files = await glob(list(spec.files), {
    cwd: workdir,
    ignore: [...DEFAULT_EXCLUDE, ...list(spec.exclude)],
    dot: true, // `.env` files are where secrets hide
    onlyFiles: true,
    followSymbolicLinks: false,
    signal,
  });
  if (files.length > MAX_FILES) {
    throw new Error(`the file globs select ${files.length} files, more than ${MAX_FILES}: narrow \`files\` or add \`exclude\``);
  }
  return files.sort();
}

function scanText(text: string, file: string, patterns: CompiledPattern[], scan: DenylistScan): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    for (const { name, regex } of patterns) {
      const match = regex.exec(line);
      if (match === null) continue;
      scan.hitCount++;
      if (scan.hits.length < MAX_LISTED_HITS) scan.hits.push({ file, line: i + 1, pattern: name, match: mask(match[0]) });
    }
  }
}

/** The first few characters (at most 4, at most half) and an ellipsis. */
export function mask(secret: string): string {
  const chars = [...secret];
  return `${chars.slice(0, Math.min(4, Math.floor(chars.length / 2))).join('')}…`;
}

async function readHead(path: string): Promise<{ bytes: Buffer; truncated: boolean }> {
  const handle = await open(path, 'r');
  try {
    // One byte past the cap tells a file that is exactly the cap from a longer one.
    const buffer = Buffer.allocUnsafe(Math.min((await handle.stat()).size, MAX_FILE_BYTES) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: buffer.subarray(0, Math.min(length, MAX_FILE_BYTES)), truncated: length > MAX_FILE_BYTES };
  } finally {
    await handle.close();
  }
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
