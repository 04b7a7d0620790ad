import { isAlias, isMap, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostic.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { MAX_ALIAS_COUNT, MAX_NESTING, tooDeepAt } from './limits.js';
import { SourcePositions, type Position } from './positions.js';

export type DefinitionFormat = 'yaml' | 'json';

/** The raw data of a definition file and the way back from a data path to the text. */
export interface SourceData {
  /** Plain JSON-like data, or undefined when the text could not be read as a definition. */
  data?: Record<string, unknown>;
  positions: SourcePositions;
  diagnostics: Diagnostic[];
}

/**
 * Parse YAML or JSON text into plain data, with positions. Never throws: every problem,
 * including a parser crash, becomes a diagnostic.
 */
export function readSource(text: string, format: DefinitionFormat, file?: string): SourceData {
  const diagnostics: Diagnostic[] = [];
  const fail = (code: DiagnosticCode, message: string, offset: number, fix?: string): SourceData => {
    diagnostics.push(located(code, message, file, positionAt(text, offset), fix));
    return { positions: new SourcePositions(undefined, undefined, text), diagnostics };
  };
  const deep = tooDeepAt(text);
  if (deep >= 0) return fail('DEF_TOO_DEEP', `nested deeper than ${MAX_NESTING} levels`, deep);
  if (format === 'json') {
    const bad = findJsonSyntaxError(text);
    if (bad) return fail('DEF_JSON_SYNTAX', bad.message, bad.offset);
  }
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, merge: true, version: '1.2' });
  } catch (err) {
    return fail('DEF_YAML_SYNTAX', `the YAML parser gave up: ${(err as Error).message}`, 0);
  }
  const positions = new SourcePositions(doc, lines, text);
  // One error per line: after the first, YAML's recovery errors on that line are noise.
  const errorLines = new Set<number | undefined>();
  for (const error of doc.errors) {
    const d = yamlProblem(error, doc, positions, file, 'error');
    if (errorLines.has(d.line) && d.code === 'DEF_YAML_SYNTAX') continue;
    errorLines.add(d.line);
    if (d.code === 'DEF_YAML_SYNTAX' && d.fix === undefined) {
      const hint = templateHint(text, error.pos[0]);
      if (hint) d.fix = hint;
    }
    diagnostics.push(d);
  }
  for (const warning of doc.warnings) diagnostics.push(yamlProblem(warning, doc, positions, file, 'warning'));
  if (diagnostics.some((d) => d.severity === 'error')) return { positions, diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = (err as Error).message;
    if (/resource exhaustion/.test(message)) {
      const alias = firstAliasOffset(doc);
      diagnostics.push(
        located('DEF_ALIAS_LIMIT', `YAML aliases expand too much (over ${MAX_ALIAS_COUNT} expansions): refusing what looks like an alias bomb`, file, positions.at(alias), 'use fewer nested aliases (*name), or write the values out'),
      );
    } else {
      diagnostics.push(located('DEF_YAML_SYNTAX', message, file, positions.at(0)));
    }
    return { positions, diagnostics };
  }
  if (data === null || data === undefined) {
    diagnostics.push(located('DEF_EMPTY', 'the file holds no workflow definition', file, positions.at(0), 'start with `name:` and `steps:`'));
    return { positions, diagnostics };
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    const found = Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    diagnostics.push(located('DEF_TYPE', `a workflow definition is a mapping of keys (name, steps, ...); found ${found}`, file, positions.at(0)));
    return { positions, diagnostics };
  }
  const unsupported = findUnsupported(data, []);
  if (unsupported) {
    const pos = positions.locate(unsupported.path);
    diagnostics.push({ ...located('DEF_UNSUPPORTED_VALUE', unsupported.message, file, pos), path: unsupported.path });
    return { positions, diagnostics };
  }
  return { data: data as Record<string, unknown>, positions, diagnostics };
}

function located(code: DiagnosticCode, message: string, file: string | undefined, pos: Position | undefined, fix?: string): Diagnostic {
  const d: Diagnostic = { severity: 'error', code, message, path: [] };
  if (file !== undefined) d.file = file;
  if (pos) {
    d.line = pos.line;
    d.col = pos.col;
  }
  if (fix !== undefined) d.fix = fix;
  return d;
}

function yamlProblem(error: YAMLError, doc: Document, positions: SourcePositions, file: string | undefined, severity: Diagnostic['severity']): Diagnostic {
  const offset = error.pos[0];
  // prettyErrors is off, but some messages still end with a location: drop it, we add ours.
  const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  if (error.code === 'DUPLICATE_KEY') {
    const first = firstOccurrence(doc, offset);
    const where = first ? positions.at(first.offset) : undefined;
    const name = first ? `'${first.key}'` : 'this key';
    const d = located('DEF_DUPLICATE_KEY', `duplicate key ${name}${where ? `: it is already set at line ${where.line}` : ''}`, file, positions.at(offset), 'keep one of the two (YAML would silently use only one)');
    if (first) d.path = [...first.path, first.key];
    return d;
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return located('DEF_YAML_SYNTAX', "a definition file holds one YAML document; remove the second '---'", file, positions.at(offset));
  }
  const d = located(severity === 'error' ? 'DEF_YAML_SYNTAX' : 'DEF_YAML_WARNING', message, file, positions.at(offset));
  d.severity = severity;
  return d;
}

/**
 * A `${{ }}` template written as a plain (unquoted) YAML value breaks when the expression
 * holds `: ` or ` #`, which YAML reads as a mapping or a comment: say so.
 */
function templateHint(text: string, offset: number): string | undefined {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const end = text.indexOf('\n', offset);
  const line = text.slice(start, end < 0 ? text.length : end);
  const match = /^(\s*(?:- )?[\w-]+:\s*)\$\{\{/.exec(line);
  if (!match) return undefined;
  return `quote the template: YAML reads ': ' or ' #' inside an unquoted value as structure. Write ${match[1]?.trim()} "${line.slice(match[1]?.length ?? 0).trim().replace(/"/g, '\\"')}"`;
}

/** The earlier key of a duplicate pair whose second key starts at `offset`. */
function firstOccurrence(doc: Document, offset: number): { key: string; offset: number; path: (string | number)[] } | undefined {
  let found: { key: string; offset: number; path: (string | number)[] } | undefined;
  visit(doc, {
    Map(_key, map, path) {
      if (found || !isMap(map)) return;
      const second = map.items.find((p) => (p.key as { range?: number[] } | null)?.range?.[0] === offset);
      if (!second) return;
      const name = String((second.key as { value?: unknown }).value);
      const first = map.items.find((p) => p !== second && String((p.key as { value?: unknown } | null)?.value) === name);
      const start = (first?.key as { range?: number[] } | null)?.range?.[0];
      if (start !== undefined) found = { key: name, offset: start, path: pathOf([...path, map]) };
      return visit.BREAK;
    },
  });
  return found;
}

/** Data path of a node from the ancestry `visit` hands us (maps, pairs and sequences). */
function pathOf(ancestry: readonly unknown[]): (string | number)[] {
  const path: (string | number)[] = [];
  for (let i = 0; i < ancestry.length; i++) {
    const node = ancestry[i] as { key?: { value?: unknown }; items?: unknown[] };
    const child = ancestry[i + 1];
    if (node && 'key' in node && 'value' in node) path.push(String(node.key?.value));
    else if (node && Array.isArray(node.items) && child !== undefined && !('key' in (child as object))) {
      const index = node.items.indexOf(child);
      if (index >= 0) path.push(index);
    }
  }
  return path;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) {
        offset = node.range[0];
        return visit.BREAK;
      }
    },
  });
  return offset;
}

/** Cycles (alias inside its own anchor), YAML-only types and non-finite numbers. */
function findUnsupported(value: unknown, path: (string | number)[], ancestors = new Set<object>()): { path: (string | number)[]; message: string } | undefined {
  if (typeof value === 'number' && !Number.isFinite(value)) return { path, message: `${value} is not a number JSON can hold` };
  if (value === null || typeof value !== 'object') return undefined;
  if (ancestors.has(value)) return { path, message: 'a YAML alias refers to a value that contains it: the data would be infinite' };
  if (path.length > MAX_NESTING) return { path, message: `nested deeper than ${MAX_NESTING} levels` };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    return { path, message: `a YAML tag produced a ${kind}, which a workflow cannot hold: use plain strings, numbers, lists and mappings` };
  }
  ancestors.add(value);
  try {
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.keys(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
    for (const [key, item] of entries) {
      const found = findUnsupported(item, [...path, key], ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}

/** 1-based line and column of an offset, counted directly (for errors found before parsing). */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}
