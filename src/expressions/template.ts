import { ExpressionError } from './errors.js';

/** Where templates start: `${{ expr }}` (the GitHub Actions spelling, familiar to most). */
export const TEMPLATE_OPEN = '${{';
const TEMPLATE_CLOSE = '}}';

export type TemplateSegment =
  | { kind: 'text'; text: string }
  /** `offset` is where `expression` starts inside the whole string. */
  | { kind: 'expression'; expression: string; offset: number };

/** A template found inside a value: where it is and what it says. */
export interface TemplateRef {
  /** Keys and indexes from the value's root down to the string holding the template. */
  path: (string | number)[];
  expression: string;
  /** Offset of `expression` inside that string. */
  offset: number;
  /** True when the string is nothing but this one template (the result keeps its type). */
  whole: boolean;
  /** Set when the template itself is malformed (empty or unterminated). */
  error?: ExpressionError;
}

/** Cheap test used before any real work: does this value look like it holds a template? */
export function hasTemplate(value: unknown): boolean {
  return typeof value === 'string' && value.includes(TEMPLATE_OPEN);
}

/**
 * Split a string into text and `${{ }}` expressions. The closing `}}` is found by a small
 * scanner that skips JSONata strings, backtick names and comments and balances braces, so
 * `${{ {"a": {"b": 1}} }}` and `${{ '}}' }}` work. Throws ExpressionError (EXPR_SYNTAX).
 */
export function parseTemplate(source: string): TemplateSegment[] {
  const segments: TemplateSegment[] = [];
  let cursor = 0;
  for (;;) {
    const open = source.indexOf(TEMPLATE_OPEN, cursor);
    if (open < 0) break;
    if (open > cursor) segments.push({ kind: 'text', text: source.slice(cursor, open) });
    const bodyStart = open + TEMPLATE_OPEN.length;
    const close = findClose(source, bodyStart);
    if (close < 0) {
      throw new ExpressionError(`unterminated template: '${TEMPLATE_OPEN}' has no matching '${TEMPLATE_CLOSE}'`, 'EXPR_SYNTAX', source, open);
    }
    const body = source.slice(bodyStart, close);
    const lead = body.length - body.trimStart().length;
    const expression = body.trim();
    if (expression === '') {
      throw new ExpressionError(`empty template '${source.slice(open, close + 2)}'`, 'EXPR_SYNTAX', source, open);
    }
    segments.push({ kind: 'expression', expression, offset: bodyStart + lead });
    cursor = close + TEMPLATE_CLOSE.length;
  }
  if (cursor < source.length) segments.push({ kind: 'text', text: source.slice(cursor) });
  return segments;
}

/**
 * The expression of a string that is exactly one template (surrounding whitespace allowed),
 * else undefined. Such a template evaluates to a typed value instead of text.
 */
export function wholeTemplate(segments: TemplateSegment[]): Extract<TemplateSegment, { kind: 'expression' }> | undefined {
  let found: Extract<TemplateSegment, { kind: 'expression' }> | undefined;
  for (const segment of segments) {
    if (segment.kind === 'text') {
      if (segment.text.trim() !== '') return undefined;
    } else if (found) {
      return undefined;
    } else {
      found = segment;
    }
  }
  return found;
}

/**
 * The bare expression of a condition or fan-out source: `${{ x }}` -> `x`, `x` -> `x`.
 * Text around a template is refused: a condition is one expression.
 */
export function bareExpression(source: string): string {
  if (!source.includes(TEMPLATE_OPEN)) return source;
  const segments = parseTemplate(source);
  const whole = wholeTemplate(segments);
  if (!whole) {
    throw new ExpressionError(
      `expected one expression, either bare or as '${TEMPLATE_OPEN} ... ${TEMPLATE_CLOSE}', not text mixed with templates`,
      'EXPR_SYNTAX',
      source,
      source.indexOf(TEMPLATE_OPEN),
    );
  }
  return whole.expression;
}

/** Every template inside a value (deep over arrays and objects), in document order. */
export function findTemplates(value: unknown): TemplateRef[] {
  const found: TemplateRef[] = [];
  walk(value, [], found, 0);
  return found;
}

const MAX_WALK_DEPTH = 256;

function walk(value: unknown, path: (string | number)[], found: TemplateRef[], depth: number): void {
  if (depth > MAX_WALK_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes(TEMPLATE_OPEN)) collect(value, path, found);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, i], found, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key], [...path, key], found, depth + 1);
  }
}

function collect(source: string, path: (string | number)[], found: TemplateRef[]): void {
  let segments: TemplateSegment[];
  try {
    segments = parseTemplate(source);
  } catch (err) {
    const error = err as ExpressionError;
    found.push({ path, expression: source.slice(error.offset), offset: error.offset, whole: false, error });
    return;
  }
  const whole = wholeTemplate(segments) !== undefined;
  for (const segment of segments) {
    if (segment.kind === 'expression') found.push({ path, expression: segment.expression, offset: segment.offset, whole });
  }
}

/** Index of the `}}` closing a template whose body starts at `from`, or -1. */
function findClose(source: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipQuoted(source, i, ch);
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0 && source[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
    i++;
  }
  return -1;
}

/** Index just after the quoted run starting at `start` (JSONata strings escape with `\`). */
function skipQuoted(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\' && quote !== '`') i += 2;
    else if (ch === quote) return i + 1;
    else i++;
  }
  return i;
}
