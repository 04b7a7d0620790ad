import { renderTemplates } from '../expressions/index.js';

/*
 * Secrets (docs/secrets.md): `${{ secrets.NAME }}` in a step's parameters. A secret's value
 * is never part of a run's data: when the step is prepared (and its parameters recorded in
 * the run's events) every secret reads as SECRET_MASK; only the attempt about to run gets
 * the value, spliced into the same templates rendered again. What the attempt then reports
 * (log lines, outputs, errors) is redacted against every value revealed for the run.
 */

/** What a secret's value is replaced by, wherever it would be recorded. */
export const SECRET_MASK = '***';

/** Resolves secret values by name at the moment a step needs them. */
export interface SecretSource {
  /** The values, by name; throws SecretUnavailable naming what it could not resolve. */
  reveal(names: string[]): Promise<Map<string, string>>;
}

/** A secret the step needs could not be resolved (not set anywhere, no master key, ...). */
export class SecretUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnavailable';
  }
}

import { secretNames } from '../expressions/secret-names.js';

export { secretNames };

/** `secrets` as prepare sees it: every name the step reads, masked. */
export function maskedSecrets(names: string[]): Record<string, string> {
  const masked: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of names) masked[name] = SECRET_MASK;
  return masked;
}

/**
 * The parameters an attempt runs with: `prepared` (recorded, masked) with every string
 * whose template reads a secret rendered again from `template` (the step's parameters as
 * written) with the values.
 */
export async function revealParameters(template: unknown, prepared: unknown, context: Record<string, unknown>, values: Map<string, string>): Promise<unknown> {
  return splice(template, prepared, { ...context, secrets: Object.fromEntries(values) }, 0);
}

async function splice(template: unknown, prepared: unknown, context: Record<string, unknown>, depth: number): Promise<unknown> {
  if (depth > 256) return prepared;
  if (typeof template === 'string') return secretNames(template).length > 0 ? renderTemplates(template, context) : prepared;
  if (Array.isArray(template) && Array.isArray(prepared)) {
    const out = [...prepared];
    for (let i = 0; i < template.length && i < out.length; i++) out[i] = await splice(template[i], out[i], context, depth + 1);
    return out;
  }
  if (isObject(template) && isObject(prepared)) {
    const out: Record<string, unknown> = { ...prepared };
    for (const key of Object.keys(template)) {
      if (Object.hasOwn(out, key)) out[key] = await splice(template[key], out[key], context, depth + 1);
    }
    return out;
  }
  return prepared;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Lines shorter than this of a multi-line secret are not redacted on their own (too common). */
const MIN_LINE = 8;

/**
 * The strings to redact for a set of values: each value, and each long line of a multi-line
 * value (a log line holds one line of it), longest first so no shorter one splits a longer.
 * A value of MIN_LINE characters or more is also redacted in the forms it is most often
 * printed in by accident: URL-encoded, escaped inside a JSON string, base64 and base64url.
 */
export function redactionList(values: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    all.add(value);
    if (value.includes('\n')) for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE) all.add(line);
    if (value.length >= MIN_LINE) for (const form of encodedForms(value)) all.add(form);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [encodeURIComponent(value), JSON.stringify(value).slice(1, -1), bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')];
}

export function redactText(text: string, list: readonly string[]): string {
  let out = text;
  for (const value of list) if (out.includes(value)) out = out.split(value).join(SECRET_MASK);
  return out;
}

/** A copy of `value` with every listed string replaced by SECRET_MASK, in keys too. */
export function redactValue<T>(value: T, list: readonly string[], depth = 0): T {
  if (list.length === 0) return value;
  if (typeof value === 'string') return redactText(value, list) as T;
  if (value === null || typeof value !== 'object' || depth > 256) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item, list, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, redactText(key, list), { value: redactValue(item, list, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}
