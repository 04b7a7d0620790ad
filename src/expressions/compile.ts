import jsonata from 'jsonata';
import { sealContext, type ExpressionContext } from './context.js';
import { DataTooDeepError, toPlainData } from './data.js';
import { ExpressionError } from './errors.js';
import { findForbidden } from './forbidden.js';
import { collectReferences, type ExpressionReference } from './references.js';

/**
 * Bounds on one evaluation. JSONata checks them at every evaluation step; they turn an
 * infinite loop or runaway recursion into a clear error instead of a hung process.
 */
export const EXPRESSION_LIMITS = {
  timeoutMs: 1000,
  /** Nesting of evaluation steps (recursion that is not a tail call grows it). */
  maxDepth: 1000,
  /** Longest sequence an expression may build. */
  maxSequence: 1_000_000,
} as const;

/** A compiled expression, reusable and safe to evaluate concurrently. */
export interface CompiledExpression {
  readonly source: string;
  readonly ast: jsonata.ExprNode;
  /** Evaluate over a context; the result is plain JSON-like data (or undefined). */
  evaluate(context: ExpressionContext | Record<string, unknown>): Promise<unknown>;
  /** The context names it reads (`parameters.x`, `steps.y.outputs`, ...). */
  references(): ExpressionReference[];
}

const CACHE_LIMIT = 2000;
const cache = new Map<string, CompiledExpression>();


/** Compile (or fetch from the cache). Throws ExpressionError with the offset of the problem. */
export function compileExpression(source: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit) {
    // Re-insert so the Map's insertion order doubles as least-recently-used order.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const compiled = compile(source);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(source, compiled);
  return compiled;
}

function compile(source: string): CompiledExpression {
  if (source.trim() === '') throw new ExpressionError('empty expression', 'EXPR_SYNTAX', source, 0);
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, {
      timeout: EXPRESSION_LIMITS.timeoutMs,
      stack: EXPRESSION_LIMITS.maxDepth,
      sequence: EXPRESSION_LIMITS.maxSequence,
    });
  } catch (err) {
    throw fromJsonata(source, err, 'EXPR_SYNTAX');
  }
  const ast = expr.ast();
  const forbidden = findForbidden(ast);
  if (forbidden) throw new ExpressionError(forbidden.message, 'EXPR_FORBIDDEN', source, forbidden.offset);
  // Belt and braces: even if the static check missed an indirect use, $eval refuses to run.
  expr.registerFunction('eval', () => {
    throw new ExpressionError('$eval is not allowed in Cairn expressions', 'EXPR_FORBIDDEN', source, 0);
  });
  let references: ExpressionReference[] | undefined;
  return {
    source,
    ast,
    async evaluate(context) {
      let result: unknown;
      try {
        result = await expr.evaluate(sealContext(context));
      } catch (err) {
        throw fromJsonata(source, err, 'EXPR_EVALUATION');
      }
      try {
        return toPlainData(result);
      } catch (err) {
        if (err instanceof DataTooDeepError) throw new ExpressionError(`result: ${err.message}`, 'EXPR_LIMIT', source, 0);
        throw err;
      }
    },
    references() {
      references ??= collectReferences(ast);
      return references;
    },
  };
}

interface JsonataFailure {
  code?: string;
  message?: string;
  position?: number;
  token?: unknown;
}

function fromJsonata(source: string, err: unknown, fallback: 'EXPR_SYNTAX' | 'EXPR_EVALUATION'): ExpressionError {
  if (err instanceof ExpressionError) return err;
  if (err instanceof DataTooDeepError) return new ExpressionError(`context: ${err.message}`, 'EXPR_LIMIT', source, 0);
  const failure = (err ?? {}) as JsonataFailure;
  const message = failure.message ?? String(err);
  // JSONata positions point just past the offending token.
  const end = typeof failure.position === 'number' ? failure.position : 0;
  const token = failure.token === undefined || failure.token === null ? '' : String(failure.token);
  const tokenLength = token === '(end)' ? 0 : token.length;
  const offset = Math.min(Math.max(0, end - tokenLength), source.length);
  if (failure.code === 'D1011') {
    return new ExpressionError(`recursion deeper than ${EXPRESSION_LIMITS.maxDepth} levels: is a function calling itself forever?`, 'EXPR_LIMIT', source, offset, failure.code);
  }
  if (failure.code === 'D1012') {
    return new ExpressionError(`evaluation took longer than ${EXPRESSION_LIMITS.timeoutMs} ms: is there an infinite loop or recursion?`, 'EXPR_LIMIT', source, offset, failure.code);
  }
  if (failure.code === 'D2015') {
    return new ExpressionError(`a sequence grew past ${EXPRESSION_LIMITS.maxSequence} items`, 'EXPR_LIMIT', source, offset, failure.code);
  }
  if (err instanceof RangeError) {
    return new ExpressionError(`evaluation exhausted a resource: ${message}`, 'EXPR_LIMIT', source, offset);
  }
  const code = failure.code?.startsWith('S') ? 'EXPR_SYNTAX' : fallback;
  return new ExpressionError(message, code, source, offset, failure.code);
}
