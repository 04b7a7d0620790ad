import { z } from 'zod';
import { configError, type ConfigDiagnostic } from './diagnostic.js';
import { didYouMean, quoteList } from './suggest.js';
import { describe, valueAt } from '../definition/index.js';

export { describe, valueAt };

type Issue = z.core.$ZodIssue;
type Path = (string | number)[];

/**
 * Turn zod issues into configuration diagnostics that say what was expected and what was
 * found, at the path of the offending value. `schema` answers which keys an object takes.
 */
export function issueDiagnostics(issues: readonly Issue[], root: unknown, schema: z.ZodType): ConfigDiagnostic[] {
  const out: ConfigDiagnostic[] = [];
  for (const issue of issues) collect(issue, [], root, schema, out);
  // Unions can report one place twice: keep one message per place.
  const seen = new Set<string>();
  return out.filter((d) => {
    const key = `${JSON.stringify(d.path)}|${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function collect(issue: Issue, prefix: Path, root: unknown, schema: z.ZodType, out: ConfigDiagnostic[]): void {
  const path: Path = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  const value = valueAt(root, path);
  const ours = isOurMessage(issue.message) ? issue.message : undefined;
  const push = (message: string, code: ConfigDiagnostic['code'] = 'CFG_TYPE', at: Path = path, fix?: string, where: Path = at) =>
    out.push(configError(code, where.length > 0 ? `${label(where)}: ${message}` : message, at, fix));
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) push(ours ?? `missing required key '${String(path[path.length - 1] ?? '')}'`, 'CFG_REQUIRED');
      else push(`${ours ?? `expected ${article(issue.expected)}`}, found ${describe(value)}`);
      return;
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator !== undefined) {
        const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
        if (value === undefined) push(`missing required key '${issue.discriminator}' (one of ${quoteList(options)})`, 'CFG_REQUIRED');
        else push(`expected one of ${quoteList(options)}, found ${describe(value)}.${typeof value === 'string' ? didYouMean(value, options) : ''}`.replace(/\.$/, ''));
        return;
      }
      // The branch that got past the type check tells the real story (a retry mapping
      // with a misspelt key, rather than "not a number either").
      const branch = issue.errors.find((errs) => errs.length > 0 && errs.every((e) => !(e.code === 'invalid_type' && e.path.length === 0)));
      if (branch) for (const inner of branch) collect(inner, path, root, schema, out);
      else push(`${ours ?? 'unexpected value'}, found ${describe(value)}`);
      return;
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      push(`expected one of ${quoteList(allowed)}, found ${describe(value)}.${typeof value === 'string' ? didYouMean(value, allowed) : ''}`.replace(/\.$/, ''));
      return;
    }
    case 'unrecognized_keys': {
      const known = keysAt(schema, path, root);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known);
        const fix = hint ? `rename '${key}'` : known.length > 0 ? `remove '${key}'; the keys here are ${quoteList(known)}` : `remove '${key}'`;
        push(`unknown key '${key}'.${hint}`.replace(/\.$/, ''), 'CFG_UNKNOWN_KEY', [...path, key], fix, path);
      }
      return;
    }
    case 'invalid_key':
      for (const inner of issue.issues) push(`${isOurMessage(inner.message) ? inner.message : 'invalid name'}, found '${String(path[path.length - 1])}'`, 'CFG_NAME');
      return;
    case 'too_small':
      push(ours ?? tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false));
      return;
    case 'too_big':
      push(ours ?? `must be at most ${Number(issue.maximum)}`);
      return;
    case 'invalid_format':
      push(`${ours ?? `expected ${issue.format}`}, found ${describe(value)}`);
      return;
    default:
      push(ours ?? issue.message);
  }
}

/** The keys the (strict) object at `path` accepts, found by walking the schema. */
export function keysAt(schema: z.ZodType, path: Path, root: unknown): string[] {
  let node: z.ZodType | undefined = schema;
  for (let i = 0; i <= path.length && node; i++) {
    node = unwrap(node);
    if (node instanceof z.ZodUnion) node = pickOption(node, valueAt(root, path.slice(0, i)));
    if (i === path.length || !node) break;
    const segment = path[i];
    if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(segment)];
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return [];
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType): z.ZodType {
  let current = node;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
  return current;
}

/** The object branch of a union that fits the value: by its `type` literal, else the only object branch. */
function pickOption(union: z.ZodUnion, value: unknown): z.ZodType | undefined {
  const objects = (union.options as z.ZodType[]).filter((o): o is z.ZodObject => o instanceof z.ZodObject);
  const type = value !== null && typeof value === 'object' ? (value as Record<string, unknown>).type : undefined;
  const byType = objects.find((o) => {
    const literal = (o.shape as Record<string, z.ZodType>).type;
    return literal instanceof z.ZodLiteral && literal.values.has(type as never);
  });
  return byType ?? (objects.length === 1 ? objects[0] : undefined);
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === 'string' || origin === 'array') return 'must not be empty';
  return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
}

/** zod's own messages start like this; ours (set with `error:` in the schema) do not. */
function isOurMessage(message: string): boolean {
  return !/^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(message);
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number';
  if (expected === 'record' || expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export function label(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the configuration';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
