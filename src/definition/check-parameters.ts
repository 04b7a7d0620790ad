import type { ParameterSpec, ParameterType, Workflow } from '../engine/types.js';
import type { Diagnostic } from './diagnostic.js';
import { describe } from './issues.js';

/** Basic level: each parameter's default and enum agree with its type and with each other. */
export function checkParameters(workflow: Workflow): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, spec] of Object.entries(workflow.parameters)) {
    out.push(...checkParameter(name, spec));
  }
  return out;
}

function checkParameter(name: string, spec: ParameterSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (key: string, ...rest: (string | number)[]) => ['parameters', name, key, ...rest];
  const error = (path: (string | number)[], message: string, fix?: string) =>
    out.push({ severity: 'error', code: 'DEF_PARAMETER', message: `parameter '${name}': ${message}`, path, ...(fix ? { fix } : {}) });
  if (spec.default !== undefined && !isOfType(spec.type, spec.default)) {
    error(at('default'), `the default ${describe(spec.default)} is not ${article(spec.type)}`, `change the default or declare type: ${inferredName(spec.default)}`);
  }
  spec.enum?.forEach((value, i) => {
    if (!isOfType(spec.type, value)) error(at('enum', i), `enum value ${describe(value)} is not ${article(spec.type)}`);
  });
  if (spec.enum && spec.default !== undefined && !spec.enum.some((v) => sameValue(v, spec.default))) {
    error(at('default'), `the default ${describe(spec.default)} is not one of the enum values`, 'add it to enum, or pick a default from the list');
  }
  if (spec.required && spec.default !== undefined) {
    out.push({
      severity: 'warning',
      code: 'DEF_PARAMETER',
      message: `parameter '${name}' is required but has a default, so it can never be missing`,
      path: at('required'),
      fix: 'remove `required: true` (or the default)',
    });
  }
  return out;
}

export function isOfType(type: ParameterType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

function inferredName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function article(type: ParameterType): string {
  return type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
