import { accessSync, closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionFailure } from './action.js';

/**
 * The `$CAIRN_OUTPUT` file through which a shell step reports outputs: either one JSON
 * object, or lines `key=value` (and GitHub Actions' `key<<DELIMITER` form for multi-line
 * values).
 */

export const MAX_OUTPUT_FILE_BYTES = 1024 * 1024;

// One private directory per process and a counter: one syscall per step, not a mkdtemp.
let directory: string | undefined;
let counter = 0;

/** Creates a fresh empty output file (mode 0600, in a 0700 directory) and returns its path. */
export function createOutputFile(): string {
  directory ??= openDirectory();
  const path = join(directory, `${++counter}.out`);
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    // A temp cleaner may have removed the directory under a long-lived process.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    directory = openDirectory();
    return createOutputFile();
  }
  return path;
}

/** Reads and deletes the output file; a missing or empty file means no outputs. */
export function readOutputFile(path: string): Record<string, unknown> {
  try {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return {}; // the script deleted it
    }
    if (size === 0) return {};
    if (size > MAX_OUTPUT_FILE_BYTES) {
      throw new ActionFailure(
        `$CAIRN_OUTPUT holds ${size} bytes; the limit is ${MAX_OUTPUT_FILE_BYTES} (1 MiB): write large data to a file and output its path`,
        'OUTPUT_TOO_LARGE',
        { size, limit: MAX_OUTPUT_FILE_BYTES },
        false,
      );
    }
    return parseOutputs(readFileSync(path, 'utf8'));
  } finally {
    discardOutputFile(path);
  }
}

export function discardOutputFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone: the script removed it
  }
}

/** Parses the file's text: a JSON object, or `key=value` / `key<<DELIMITER` lines. */
export function parseOutputs(text: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw outputFormatError(`$CAIRN_OUTPUT starts with '{' but is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  }
  return parseLines(text);
}

function parseLines(text: string): Record<string, unknown> {
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  // Entries, then Object.fromEntries: a `__proto__` key becomes a plain own property.
  const entries: [string, string][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      entries.push([keyOf(line.slice(0, equals), i), line.slice(equals + 1)]);
      continue;
    }
    if (heredoc >= 0) {
      const key = keyOf(line.slice(0, heredoc), i);
      const delimiter = line.slice(heredoc + 2).trim();
      if (delimiter === '') throw outputFormatError(`line ${i + 1} of $CAIRN_OUTPUT: '${key}<<' needs a delimiter, e.g. ${key}<<EOF`);
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) {
        throw outputFormatError(`line ${i + 1} of $CAIRN_OUTPUT: '${key}<<${delimiter}' is never closed by a line '${delimiter}'`);
      }
      entries.push([key, lines.slice(i + 1, end).join('\n')]);
      i = end;
      continue;
    }
    throw outputFormatError(`line ${i + 1} of $CAIRN_OUTPUT is not key=value (nor key<<DELIMITER): ${JSON.stringify(line.slice(0, 80))}`);
  }
  return Object.fromEntries(entries);
}

function keyOf(raw: string, index: number): string {
  const key = raw.trim();
  if (key === '') throw outputFormatError(`line ${index + 1} of $CAIRN_OUTPUT has an empty key`);
  return key;
}

function outputFormatError(message: string): ActionFailure {
  return new ActionFailure(message, 'OUTPUT_FORMAT', {}, false);
}

const PREFIX = 'cairn-outputs-';

function openDirectory(): string {
  const base = baseDirectory();
  removeStaleDirectories(base);
  const path = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  process.once('exit', () => rmSync(path, { recursive: true, force: true }));
  return path;
}

/** A process killed by a signal never runs its exit hook: remove what dead ones left. */
function removeStaleDirectories(base: string): void {
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(/^cairn-outputs-(\d+)-/.exec(entry)?.[1]);
    if (!pid || processExists(pid)) continue;
    try {
      rmSync(join(base, entry), { recursive: true, force: true });
    } catch {
      // another user's directory, or already removed
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creating a file on a loaded disk can cost a millisecond, a sizeable share of a short
 * step: on Linux, use the RAM-backed /dev/shm unless TMPDIR asks for another place.
 */
function baseDirectory(): string {
  if (process.platform === 'linux' && !process.env.TMPDIR) {
    try {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    } catch {
      // not available: fall back to the usual temp dir
    }
  }
  return tmpdir();
}
