import type { z } from 'zod';
import type { Diagnostic, DiagnosticCode } from './diagnostic.js';
import { didYouMean } from './suggest.js';

type Issue = z.core.$ZodIssue;

/**
 * Turn zod issues into diagnostics that say what was expected and what was found, in the
 * user's words. `root` is the data the schema checked; `base` is its path in the file.
 * `knownKeys` answers which keys a strict object accepts (for "did you mean").
 */
export function issueDiagnostics(
  issues: readonly Issue[],
  root: unknown,
  base: (string | number)[],
  code: DiagnosticCode,
  knownKeys: (path: (string | number)[]) => readonly string[] = () => [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) collect(issue, [], root, base, code, knownKeys, out);
  // One problem per place: unions and nested schemas can report the same spot twice.
  const seen = new Set<string>();
  return out.filter((d) => {
    const key = `${d.path.join('\u0000')}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function collect(
  issue: Issue,
  prefix: (string | number)[],
  root: unknown,
  base: (string | number)[],
  code: DiagnosticCode,
  knownKeys: (path: (string | number)[]) => readonly string[],
  out: Diagnostic[],
): void {
  const rel = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  const value = valueAt(root, rel);
  const path = [...base, ...rel];
  const custom = isCustomMessage(issue.message) ? issue.message : undefined;
  const push = (message: string, c: DiagnosticCode = code, at = path, fix?: string) => {
    const d: Diagnostic = { severity: 'error', code: c, message: `${label(at)}: ${message}`, path: at };
    if (fix) d.fix = fix;
    out.push(d);
  };
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) push(custom ?? `missing required key '${String(rel[rel.length - 1] ?? '')}'`, 'DEF_REQUIRED');
      else push(`${custom ?? `expected ${article(issue.expected)}`}, found ${describe(value)}`);
      return;
    case 'invalid_union': {
      // The branch that got past the type check tells the real story (e.g. an object
      // parameter declaration with a bad field, rather than "not a string either").
      const branch = issue.errors.find((errs) => errs.length > 0 && errs.every((e) => !(e.code === 'invalid_type' && e.path.length === 0)));
      if (branch) for (const inner of branch) collect(inner, rel, root, base, code, knownKeys, out);
      else if (value === undefined) push(custom ?? 'missing required value', 'DEF_REQUIRED');
      else push(`${custom ?? 'unexpected value'}, found ${describe(value)}`);
      return;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      push(`expected one of ${allowed.join(', ')}, found ${describe(value)}.${typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : ''}`.replace(/\.$/, ''));
      return;
    }
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        const hint = didYouMean(key, knownKeys(rel));
        push(`unknown key '${key}'.${hint}`.replace(/\.$/, ''), 'DEF_UNKNOWN_KEY', [...path, key], hint ? `rename '${key}'` : `remove '${key}'`);
      }
      return;
    case 'invalid_key':
      for (const inner of issue.issues) {
        const key = rel[rel.length - 1];
        push(`${isCustomMessage(inner.message) ? inner.message : 'invalid key'}, found '${String(key)}'`);
      }
      return;
    case 'too_small':
      push(custom ?? tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false));
      return;
    case 'too_big':
      push(custom ?? `must be at most ${Number(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`);
      return;
    case 'invalid_format':
      push(`${custom ?? `expected ${issue.format === 'regex' ? 'a string matching ' + String(issue.pattern) : issue.format}`}, found ${describe(value)}`);
      return;
    default:
      push(custom ?? issue.message);
  }
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === 'array') return minimum <= 1 ? 'must not be empty' : `needs at least ${minimum} items`;
  if (origin === 'string') return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
  return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
}

/** zod's own messages start like this; ours (set with `error:` in the schema) do not. */
function isCustomMessage(message: string): boolean {
  return !/^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(message);
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'record' || expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** How a value reads in a message: short, and never a crash on odd data. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 37)}...` : value}' (a string)`;
  return `${String(value)} (a ${typeof value})`;
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** `steps[2].retry.backoff` */
export function label(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out === '' ? 'definition' : out;
}
