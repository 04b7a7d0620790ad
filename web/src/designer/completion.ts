import { isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';

/*
 * Schema-backed completion for the YAML editor, kept free of CodeMirror: given the text,
 * the cursor and the workflow JSON Schema, what may be typed here? Keys come from the
 * schema at the cursor's place in the document (the step's command's own schema under
 * `parameters`), values from enums, booleans, the command list and the step ids.
 */

export interface CommandEntry {
  name: string;
  summary: string;
  kind?: string;
  parameters?: JsonSchema;
}

export type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  required?: string[];
};

export interface CompletionItem {
  label: string;
  type: 'property' | 'keyword' | 'function' | 'variable' | 'enum';
  detail?: string;
  info?: string;
  /** Text inserted, when it differs from the label (`key: `). */
  apply?: string;
}

export interface CompletionAnswer {
  /** Where the word being completed starts. */
  from: number;
  options: CompletionItem[];
}

const MARK = '__cairn_cursor__';

type PathPart = string | number;

/** The document path of the mapping the cursor's line belongs to (keys and item indexes), found by putting a marker key on that line. */
function pathAtLine(text: string, lineStart: number, lineEnd: number, indent: string): PathPart[] | undefined {
  const probe = `${text.slice(0, lineStart)}${indent}${MARK}: 0${text.slice(lineEnd)}`;
  const doc = parseDocument(probe);
  if (doc.errors.length > 0) return undefined;
  let found: PathPart[] | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.value !== MARK) return undefined;
      const path: PathPart[] = [];
      for (let i = 0; i < ancestors.length; i++) {
        const node = ancestors[i];
        const child = ancestors[i + 1] ?? pair;
        if (isPair(node) && isScalar(node.key)) path.push(String(node.key.value));
        else if (isSeq(node)) path.push(node.items.indexOf(child as never));
      }
      found = path;
      return visit.BREAK;
    },
  });
  return found;
}

/** The schemas a value may have: itself and its anyOf/oneOf alternatives, flattened. */
function variants(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  return [schema, ...(schema.anyOf ?? []).flatMap(variants), ...(schema.oneOf ?? []).flatMap(variants)];
}

function child(schema: JsonSchema | undefined, part: PathPart): JsonSchema | undefined {
  for (const v of variants(schema)) {
    if (typeof part === 'number' && v.items) return v.items;
    if (typeof part === 'string') {
      if (v.properties?.[part]) return v.properties[part];
      if (typeof v.additionalProperties === 'object') return v.additionalProperties;
    }
  }
  return undefined;
}

function schemaAt(root: JsonSchema, path: PathPart[], commandSchema: (stepIndex: number) => JsonSchema | undefined): JsonSchema | undefined {
  let at: JsonSchema | undefined = root;
  for (let i = 0; i < path.length; i++) {
    // A step's parameters follow its command's own schema.
    if (path[0] === 'steps' && i === 2 && path[2] === 'parameters' && typeof path[1] === 'number') {
      at = commandSchema(path[1]) ?? child(at, path[i]!);
      continue;
    }
    at = child(at, path[i]!);
    if (!at) return undefined;
  }
  return at;
}

function keysOf(schema: JsonSchema | undefined): CompletionItem[] {
  const out = new Map<string, CompletionItem>();
  for (const v of variants(schema)) {
    for (const [key, prop] of Object.entries(v.properties ?? {})) {
      if (!out.has(key)) out.set(key, { label: key, type: 'property', apply: `${key}: `, ...(prop.description ? { info: prop.description } : {}), ...(v.required?.includes(key) ? { detail: 'required' } : {}) });
    }
  }
  return [...out.values()];
}

function valuesOf(schema: JsonSchema | undefined): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const v of variants(schema)) {
    for (const e of v.enum ?? []) if (typeof e === 'string' || typeof e === 'number' || typeof e === 'boolean') out.push({ label: String(e), type: 'enum' });
    const types = Array.isArray(v.type) ? v.type : [v.type];
    if (types.includes('boolean')) out.push({ label: 'true', type: 'keyword' }, { label: 'false', type: 'keyword' });
  }
  return out;
}

function stepIds(text: string): string[] {
  const doc = parseDocument(text);
  const steps = doc.get('steps');
  if (!isSeq(steps)) return [];
  return steps.items.flatMap((s) => (isMap(s) && typeof s.get('id') === 'string' ? [s.get('id') as string] : []));
}

/** Which command the step at `index` runs, read from the text as typed. */
function commandOfStep(text: string, index: number): string | undefined {
  const doc = parseDocument(text);
  const step = doc.getIn(['steps', index]);
  return isMap(step) && typeof step.get('command') === 'string' ? (step.get('command') as string) : undefined;
}

/** What may be typed at `pos`: keys at a key's place, values after `key: `. Undefined when nothing fits. */
export function completionsAt(text: string, pos: number, schema: JsonSchema, commands: readonly CommandEntry[]): CompletionAnswer | undefined {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const nextBreak = text.indexOf('\n', pos);
  const lineEnd = nextBreak === -1 ? text.length : nextBreak;
  const before = text.slice(lineStart, pos);
  if (/^\s*#/.test(before)) return undefined;
  const commandSchema = (i: number): JsonSchema | undefined => {
    const name = commandOfStep(text, i);
    return commands.find((c) => c.name === name)?.parameters;
  };

  const keyMatch = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)?$/.exec(before);
  if (keyMatch) {
    const indent = keyMatch[1]!;
    const word = keyMatch[2] ?? '';
    const path = pathAtLine(text, lineStart, lineEnd, indent);
    if (!path) return undefined;
    const options = keysOf(schemaAt(schema, path, commandSchema));
    if (options.length === 0) return undefined;
    return { from: pos - word.length, options };
  }

  const valueMatch = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*):\s+(?:\[\s*(?:[\w-]+\s*,\s*)*)?([\w.-]*)$/.exec(before);
  if (valueMatch) {
    const indent = valueMatch[1]!;
    const key = valueMatch[2]!;
    const word = valueMatch[3] ?? '';
    const from = pos - word.length;
    const path = pathAtLine(text, lineStart, lineEnd, indent);
    if (!path) return undefined;
    const inStep = path[0] === 'steps' && path.length === 2;
    if (inStep && key === 'command') {
      return { from, options: commands.map((c) => ({ label: c.name, type: 'function', detail: c.kind === 'named' ? 'named command' : 'command', info: c.summary })) };
    }
    if (inStep && key === 'depends_on') {
      const self = (() => {
        const step = parseDocument(text).getIn(['steps', path[1] as number]);
        return isMap(step) ? step.get('id') : undefined;
      })();
      return { from, options: stepIds(text).filter((id) => id !== self).map((id) => ({ label: id, type: 'variable', detail: 'step' })) };
    }
    const options = valuesOf(schemaAt(schema, [...path, key], commandSchema));
    return options.length > 0 ? { from, options } : undefined;
  }
  return undefined;
}
