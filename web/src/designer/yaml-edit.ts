import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';

/*
 * Edits the designer's canvas makes, written back into the YAML text through the `yaml`
 * package's Document API: the rest of the text (comments, order, quoting, flow or block
 * style) stays as the author wrote it.
 */

export type EditResult = { ok: true; text: string } | { ok: false; error: string };

const STEP_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;

/** Parameters a new step starts with, so that it validates and runs as dropped. */
const STARTER_PARAMETERS: Record<string, Record<string, unknown>> = {
  shell: { run: 'echo "hello from cairn"' },
  log: { message: 'hello from cairn' },
  http: { url: 'https://example.com/health', method: 'GET' },
  wait: { seconds: 5 },
  approval: { message: 'Approve?' },
  task: { title: 'Do the thing' },
  notify: { channel: 'ops', message: 'hello' },
  remember: { text: 'a note for later' },
  recall: { query: 'deploy' },
};

function load(text: string): Document | string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return `the YAML does not parse: ${doc.errors[0]!.message.split('\n')[0]}`;
  if (doc.contents !== null && !isMap(doc.contents)) return 'the definition is not a mapping of keys (id, steps, ...)';
  return doc;
}

function stepsOf(doc: Document): YAMLSeq | undefined {
  const steps = doc.get('steps', true);
  return isSeq(steps) ? steps : undefined;
}

function stepMaps(doc: Document): YAMLMap[] {
  return (stepsOf(doc)?.items ?? []).filter((item): item is YAMLMap => isMap(item));
}

function idOf(step: YAMLMap): string | undefined {
  const id = step.get('id');
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** `shell`, `shell-2`, `shell-3`, ...: the first free id for a step running `command`. */
export function freeStepId(command: string, taken: ReadonlySet<string>): string {
  const base = command.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+/, '') || 'step';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Parameters a new step running `command` starts with: a known starter, else the required keys of its schema. */
export function starterParameters(command: string, schema?: Record<string, unknown>): Record<string, unknown> | undefined {
  const known = STARTER_PARAMETERS[command];
  if (known) return { ...known };
  const required = Array.isArray(schema?.required) ? (schema.required as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  if (required.length === 0) return undefined;
  const props = (schema?.properties ?? {}) as Record<string, { type?: unknown }>;
  return Object.fromEntries(required.map((k) => [k, placeholder(props[k]?.type)]));
}

function placeholder(type: unknown): unknown {
  if (type === 'number' || type === 'integer') return 0;
  if (type === 'boolean') return false;
  if (type === 'array') return [];
  if (type === 'object') return {};
  return '';
}

/** Append a step running `command` (a new id, starter parameters); `steps:` is created when missing. */
export function addStep(text: string, command: string, opts: { id?: string; parameters?: Record<string, unknown> } = {}): EditResult & { id?: string } {
  const doc = load(text);
  if (typeof doc === 'string') return { ok: false, error: doc };
  if (doc.contents === null) doc.contents = doc.createNode({ id: 'new-workflow' });
  const existing = doc.get('steps', true);
  if (existing !== undefined && !isSeq(existing)) return { ok: false, error: '`steps` is not a list' };
  const taken = new Set(stepMaps(doc).map(idOf).filter((id): id is string => id !== undefined));
  const id = opts.id ?? freeStepId(command, taken);
  if (!STEP_ID.test(id)) return { ok: false, error: `'${id}' is not a valid step id (letters, digits, _ and -)` };
  if (taken.has(id)) return { ok: false, error: `a step '${id}' already exists` };
  const step: Record<string, unknown> = { id, command };
  if (opts.parameters) step.parameters = opts.parameters;
  const node = doc.createNode(step);
  if (isSeq(existing)) {
    // `steps: []` grows into a block list, one step per item, as people write it.
    if (existing.items.length === 0) existing.flow = false;
    existing.items.push(node);
  }
  else doc.set('steps', doc.createNode([step]));
  return { ok: true, text: doc.toString(), id };
}

/** Step ids each step depends on, from the parsed document (depends_on as a string or a list). */
function dependencyMap(doc: Document): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const step of stepMaps(doc)) {
    const id = idOf(step);
    if (id === undefined) continue;
    out.set(id, dependsOnList(step.get('depends_on', true)));
  }
  return out;
}

function dependsOnList(node: unknown): string[] {
  if (isScalar(node)) return node.value === null || node.value === undefined ? [] : [String(node.value)];
  if (isSeq(node)) return node.items.flatMap((item) => (isScalar(item) && item.value !== null ? [String(item.value)] : []));
  return [];
}

/** Does `from` (transitively) depend on `to`? Then `to` depending on `from` would close a cycle. */
function reaches(deps: Map<string, string[]>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(deps.get(id) ?? []));
  }
  return false;
}

/** Make step `step` depend on step `on` (an edge on -> step), refusing unknown steps and cycles. */
export function addDependency(text: string, on: string, step: string): EditResult {
  const doc = load(text);
  if (typeof doc === 'string') return { ok: false, error: doc };
  if (on === step) return { ok: false, error: `a step cannot depend on itself ('${step}')` };
  const target = stepMaps(doc).find((s) => idOf(s) === step);
  if (!target) return { ok: false, error: `no step '${step}'` };
  const deps = dependencyMap(doc);
  if (!deps.has(on)) return { ok: false, error: `no step '${on}'` };
  if ((deps.get(step) ?? []).includes(on)) return { ok: true, text };
  if (reaches(deps, on, step)) return { ok: false, error: `'${on}' already depends on '${step}': the new dependency would make a cycle` };
  const current = target.get('depends_on', true);
  if (isSeq(current)) {
    current.items.push(doc.createNode(on));
  } else {
    const list = doc.createNode([...dependsOnList(current), on]) as YAMLSeq;
    list.flow = true;
    target.set('depends_on', list);
  }
  return { ok: true, text: doc.toString() };
}

/** Drop the dependency of `step` on `on` (a `depends_on` left empty is removed). */
export function removeDependency(text: string, on: string, step: string): EditResult {
  const doc = load(text);
  if (typeof doc === 'string') return { ok: false, error: doc };
  const target = stepMaps(doc).find((s) => idOf(s) === step);
  if (!target) return { ok: false, error: `no step '${step}'` };
  const current = target.get('depends_on', true);
  if (isSeq(current)) {
    current.items = current.items.filter((item) => !(isScalar(item) && String(item.value) === on));
    if (current.items.length === 0) target.delete('depends_on');
  } else if (isScalar(current) && String(current.value) === on) {
    target.delete('depends_on');
  }
  return { ok: true, text: doc.toString() };
}
