import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

/** One step of the definition as the preview draws it. */
export interface DraftStep {
  id: string;
  command: string;
  dependsOn: string[];
  /** Offset of the step in the text (for "show in editor"). */
  offset: number;
}

export interface DraftGraph {
  steps: DraftStep[];
  /** Why no graph could be read (the YAML does not parse, no steps list). */
  problem?: string;
}

/**
 * The steps and dependencies of a definition being typed, read leniently: the preview
 * should keep showing what can be read while the author is mid-edit, so a step without an
 * id or a dependency on an unknown step is skipped rather than refused (the validator says why).
 */
export function graphOf(text: string): DraftGraph {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { steps: [], problem: `the YAML does not parse: ${doc.errors[0]!.message.split('\n')[0]}` };
  if (!isMap(doc.contents)) return { steps: [], problem: text.trim() === '' ? 'no definition yet' : 'the definition is not a mapping' };
  const steps = doc.get('steps', true);
  if (!isSeq(steps)) return { steps: [], problem: 'no steps yet' };
  const out: DraftStep[] = [];
  const seen = new Set<string>();
  for (const item of steps.items) {
    if (!isMap(item)) continue;
    const map = item as YAMLMap;
    const id = scalarText(map.get('id'));
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const raw = map.get('depends_on');
    const depends = typeof raw === 'string' ? [raw] : isSeq(raw) ? raw.items.map((d) => scalarText(isMap(d) ? undefined : (d as { value?: unknown }).value)).filter((d): d is string => d !== undefined) : [];
    out.push({ id, command: scalarText(map.get('command')) ?? 'task', dependsOn: depends, offset: map.range?.[0] ?? 0 });
  }
  const known = new Set(out.map((s) => s.id));
  for (const step of out) step.dependsOn = step.dependsOn.filter((d) => known.has(d) && d !== step.id);
  return { steps: out };
}

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}
