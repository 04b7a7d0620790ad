import { closest, distance } from 'fastest-levenshtein';
import type { ParameterSpec, ParameterType } from '../engine/types.js';
import { CairnError } from './errors.js';

/**
 * Turn what the user passed (typed values from JSON, or strings from `-p key=value`) into
 * the run's parameters: defaults applied, types coerced and checked, unknown names refused.
 */
export function resolveParameters(specs: Record<string, ParameterSpec>, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const names = Object.keys(specs);
  for (const [name, raw] of Object.entries(given)) {
    const spec = specs[name];
    if (!spec) {
      const near = names.length > 0 ? closest(name, names) : undefined;
      const hint = near !== undefined && distance(name, near) <= 3 ? ` Did you mean '${near}'?` : names.length ? ` Known: ${names.join(', ')}.` : ' The workflow declares no parameters.';
      throw new CairnError('PARAMETER_INVALID', `unknown parameter '${name}'.${hint}`, { parameter: name });
    }
    out[name] = coerce(name, spec, raw);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in out) continue;
    if (spec.default !== undefined) out[name] = spec.default;
    else if (spec.required) throw new CairnError('PARAMETER_INVALID', `missing required parameter '${name}' (${spec.type})${spec.description ? `: ${spec.description}` : ''}. Pass it with -p ${name}=...`, { parameter: name });
  }
  return { ...out };
}

function coerce(name: string, spec: ParameterSpec, raw: unknown): unknown {
  const value = typeof raw === 'string' && spec.type !== 'string' ? parseText(name, spec.type, raw) : raw;
  if (!matches(spec.type, value)) {
    throw new CairnError('PARAMETER_INVALID', `parameter '${name}' must be ${article(spec.type)}, got ${JSON.stringify(value)}`, { parameter: name });
  }
  if (spec.enum && !spec.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    throw new CairnError('PARAMETER_INVALID', `parameter '${name}' must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}; got ${JSON.stringify(value)}`, { parameter: name });
  }
  return value;
}

function parseText(name: string, type: ParameterType, text: string): unknown {
  switch (type) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new CairnError('PARAMETER_INVALID', `parameter '${name}' must be ${article(type)}, got '${text}'`, { parameter: name });
      return n;
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new CairnError('PARAMETER_INVALID', `parameter '${name}' must be true or false, got '${text}'`, { parameter: name });
    default:
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new CairnError('PARAMETER_INVALID', `parameter '${name}' must be ${article(type)} written as JSON, got '${text}'`, { parameter: name });
      }
  }
}

function matches(type: ParameterType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
  }
}

function article(type: ParameterType): string {
  return type === 'integer' || type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`;
}
