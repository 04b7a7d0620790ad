/**
 * Copying data in and out of expressions. Everything an expression sees is a copy made of
 * own enumerable properties only; everything it returns is copied again into plain objects.
 * Keys such as `__proto__` become ordinary own properties (defineProperty, never `obj[k] = v`),
 * so neither direction can reach or change a prototype.
 */

/** Deeper data than this is refused rather than risking a stack overflow. */
export const MAX_DATA_DEPTH = 512;

export class DataTooDeepError extends Error {
  constructor() {
    super(`data nested deeper than ${MAX_DATA_DEPTH} levels`);
    this.name = 'DataTooDeepError';
  }
}

/** Copy into objects without a prototype: what expressions read. */
export function toSealedData(value: unknown): unknown {
  return copy(value, () => Object.create(null) as Record<string, unknown>, 0);
}

/** Copy into plain objects (arrays stay arrays, functions and undefined members drop out). */
export function toPlainData(value: unknown): unknown {
  return copy(value, () => ({}), 0);
}

function copy(value: unknown, makeObject: () => Record<string, unknown>, depth: number): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (depth >= MAX_DATA_DEPTH) throw new DataTooDeepError();
  if (Array.isArray(value)) {
    // JSON has no holes or undefined members: they become null, as JSON.stringify would do.
    return Array.from(value, (item: unknown) => copy(item, makeObject, depth + 1) ?? null);
  }
  if (value instanceof Date) return value.toISOString();
  // A JSONata function value is an object holding its (cyclic) environment: not data.
  if ('_jsonata_lambda' in value || '_jsonata_function' in value) return undefined;
  const out = makeObject();
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], makeObject, depth + 1);
    if (item !== undefined) define(out, key, item);
  }
  return out;
}

/** Set an own data property, even for keys like `__proto__` that assignment would treat specially. */
export function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
