import { compileExpression } from './compile.js';
import type { ExpressionContext } from './context.js';
import { bareExpression } from './template.js';

/**
 * Evaluate one expression over a context. Accepts a bare JSONata expression or one written
 * as `${{ expr }}` (how `if:` conditions may be spelled). Throws ExpressionError.
 */
export async function evaluateExpression(source: string, context: ExpressionContext | Record<string, unknown>): Promise<unknown> {
  return compileExpression(bareExpression(source)).evaluate(context);
}

/**
 * JSONata's truthiness ($boolean): false for undefined, null, false, 0, '', empty arrays
 * and objects, functions, and arrays whose members are all false.
 */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return value !== 0 && !Number.isNaN(value);
    case 'string':
      return value.length > 0;
    case 'object':
      return Array.isArray(value) ? value.some(isTruthy) : Object.keys(value).length > 0;
    default:
      return false;
  }
}
