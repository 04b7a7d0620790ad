import type { ParameterSpec } from '../engine/types.js';
import type { PastRun } from './model.js';

/*
 * Parameter pre-fill: for each declared parameter, the values successful runs used most,
 * with counts, beside its default. Only what happened: no history, no values.
 */

export interface ParameterPrefill {
  name: string;
  type: ParameterSpec['type'];
  required: boolean;
  default?: unknown;
  description?: string;
  /** Most used first; ties by the value's JSON text. */
  values: Array<{ value: unknown; count: number }>;
  /** What a form should start with: the most used value, else the default. */
  suggested?: unknown;
}

export interface Prefill {
  /** Successful runs the counts come from. */
  basedOn: number;
  parameters: ParameterPrefill[];
}

export function prefillParameters(parameters: Record<string, ParameterSpec>, runs: PastRun[], top = 5): Prefill {
  const good = runs.filter((r) => r.status === 'succeeded');
  const out: ParameterPrefill[] = [];
  for (const [name, spec] of Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b))) {
    const counts = new Map<string, { value: unknown; count: number }>();
    for (const run of good) {
      const value = run.parameters?.[name];
      if (value === undefined) continue;
      const key = canonicalJson(value);
      const c = counts.get(key) ?? { value, count: 0 };
      c.count += 1;
      counts.set(key, c);
    }
    const values = [...counts.entries()]
      .sort(([ka, a], [kb, b]) => b.count - a.count || ka.localeCompare(kb))
      .slice(0, top)
      .map(([, v]) => v);
    const suggested = values[0]?.value ?? spec.default;
    out.push({
      name,
      type: spec.type,
      required: spec.required,
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      values,
      ...(suggested !== undefined ? { suggested } : {}),
    });
  }
  return { basedOn: good.length, parameters: out };
}

/** JSON with object keys sorted, so {a,b} and {b,a} count as one value. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
