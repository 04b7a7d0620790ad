import type { ParameterSpec, PrefillParameter } from '../types';

/**
 * One input of a generated form: a workflow parameter (its definition's `parameters`) or a
 * property of a task's output schema (JSON Schema). Both read the same way here.
 */
export interface Field {
  name: string;
  type: string;
  required: boolean;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  /** Values used before (most used first), offered as suggestions. */
  used?: Array<{ value: unknown; count: number }>;
  /** What the form starts with. */
  initial?: unknown;
  /** JSON Schema bounds, when an output schema gives them. */
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

export function fieldsFromParameters(parameters: Record<string, ParameterSpec>, prefill?: PrefillParameter[]): Field[] {
  const byName = new Map((prefill ?? []).map((p) => [p.name, p]));
  return Object.entries(parameters)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, spec]) => {
      const hint = byName.get(name);
      const initial = hint && 'suggested' in hint ? hint['suggested'] : spec.default;
      return {
        name,
        type: spec.type,
        required: spec.required,
        ...(spec.enum ? { enum: spec.enum } : {}),
        ...(spec.description ? { description: spec.description } : {}),
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(hint?.values && hint.values.length > 0 ? { used: hint.values } : {}),
        ...(initial !== undefined ? { initial } : {}),
      };
    });
}

export function fieldsFromSchema(schema: Record<string, unknown> | undefined): Field[] {
  const properties = (schema?.['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set(Array.isArray(schema?.['required']) ? (schema['required'] as string[]) : []);
  return Object.entries(properties).map(([name, prop]) => {
    const type = Array.isArray(prop['type']) ? String(prop['type'][0]) : typeof prop['type'] === 'string' ? prop['type'] : 'string';
    const num = (k: string) => (typeof prop[k] === 'number' ? { [k]: prop[k] as number } : {});
    return {
      name,
      type,
      required: required.has(name),
      ...(Array.isArray(prop['enum']) ? { enum: prop['enum'] as unknown[] } : {}),
      ...(typeof prop['description'] === 'string' ? { description: prop['description'] } : {}),
      ...(prop['default'] !== undefined ? { default: prop['default'], initial: prop['default'] } : {}),
      ...num('minimum'),
      ...num('maximum'),
      ...num('minLength'),
      ...num('maxLength'),
      ...(typeof prop['pattern'] === 'string' ? { pattern: prop['pattern'] } : {}),
    };
  });
}

/** The text an input shows for a value. */
export function toText(field: Field, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.type === 'array' || field.type === 'object') return JSON.stringify(value);
  return String(value);
}

export type Checked = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * What the person typed, read as the field's type: a value, nothing (an empty optional
 * field), or an error that says what is wrong, shown as they type.
 */
export function readField(field: Field, text: string): Checked | { ok: true; value: undefined } {
  const t = field.type === 'string' ? text : text.trim();
  if (t === '') return field.required ? { ok: false, error: `${field.name} is required` } : { ok: true, value: undefined };
  let value: unknown;
  switch (field.type) {
    case 'number':
    case 'integer': {
      const n = Number(t);
      if (!Number.isFinite(n)) return { ok: false, error: 'must be a number' };
      if (field.type === 'integer' && !Number.isInteger(n)) return { ok: false, error: 'must be a whole number' };
      if (field.minimum !== undefined && n < field.minimum) return { ok: false, error: `must be at least ${field.minimum}` };
      if (field.maximum !== undefined && n > field.maximum) return { ok: false, error: `must be at most ${field.maximum}` };
      value = n;
      break;
    }
    case 'boolean':
      if (t !== 'true' && t !== 'false') return { ok: false, error: 'must be true or false' };
      value = t === 'true';
      break;
    case 'array':
    case 'object': {
      try {
        value = JSON.parse(t);
      } catch {
        return { ok: false, error: `must be JSON (${field.type === 'array' ? '[...]' : '{...}'})` };
      }
      const isArray = Array.isArray(value);
      if (field.type === 'array' ? !isArray : isArray || typeof value !== 'object' || value === null) return { ok: false, error: `must be a JSON ${field.type}` };
      break;
    }
    default:
      if (field.minLength !== undefined && t.length < field.minLength) return { ok: false, error: `must be at least ${field.minLength} characters` };
      if (field.maxLength !== undefined && t.length > field.maxLength) return { ok: false, error: `must be at most ${field.maxLength} characters` };
      if (field.pattern !== undefined) {
        try {
          if (!new RegExp(field.pattern, 'u').test(t)) return { ok: false, error: `must match ${field.pattern}` };
        } catch {}
      }
      value = t;
  }
  if (field.enum && !field.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return { ok: false, error: `must be one of: ${field.enum.map((e) => JSON.stringify(e)).join(', ')}` };
  }
  return { ok: true, value };
}

/** Reads every field; the values to send when nothing is wrong, else the errors by field. */
export function readForm(fields: Field[], texts: Record<string, string>): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const checked = readField(field, texts[field.name] ?? '');
    if (!checked.ok) errors[field.name] = checked.error;
    else if (checked.value !== undefined) values[field.name] = checked.value;
  }
  return { values, errors };
}
