import { toSealedData } from './data.js';

/** What one step's data looks like to an expression: `steps.<id>.outputs` and `.status`. */
export interface StepView {
  outputs?: Record<string, unknown>;
  status?: string;
}

/**
 * The data expressions evaluate over. Runtime-only roots (e.g. `result` for a step's own
 * `outputs:` templates) may be added next to the standard ones.
 */
export interface ExpressionContext {
  parameters?: Record<string, unknown>;
  steps?: Record<string, StepView>;
  run?: { id: string; workflow: string; started_at: string };
  /** The current item of a `for_each` fan-out, and its index. */
  item?: unknown;
  index?: number;
  [root: string]: unknown;
}

/** The names an expression may start from, besides `result` inside a step's own `outputs:`. */
export const CONTEXT_ROOTS = ['parameters', 'steps', 'run', 'item', 'index'] as const;

const sealed = new WeakSet<object>();

/**
 * A context safe to hand to JSONata: a deep copy made of prototype-less objects, so no
 * lookup can reach `Object.prototype` and nothing the caller holds can be changed.
 * Build it once and evaluate many expressions over it.
 */
export function createContext(parts: ExpressionContext): ExpressionContext {
  const context = toSealedData(parts) as ExpressionContext;
  sealed.add(context);
  return context;
}

/** `context` itself when it came from createContext, else a sealed copy of it. */
export function sealContext(context: ExpressionContext | Record<string, unknown>): ExpressionContext {
  return sealed.has(context) ? (context as ExpressionContext) : createContext(context as ExpressionContext);
}
