/**
 * Expressions: `if:` conditions, `for_each` sources and `${{ }}` templates, evaluated with
 * JSONata over a sealed copy of the run's data. No eval, no globals, no prototypes.
 */
export { compileExpression, EXPRESSION_LIMITS, type CompiledExpression } from './compile.js';
export { CONTEXT_ROOTS, createContext, type ExpressionContext, type StepView } from './context.js';
export { ExpressionError, type ExpressionErrorCode } from './errors.js';
export { evaluateExpression, isTruthy } from './evaluate.js';
export { hasNestedQuantifier } from './forbidden.js';
export type { ExpressionReference } from './references.js';
export { renderTemplates } from './render.js';
export { bareExpression, findTemplates, hasTemplate, parseTemplate, TEMPLATE_OPEN, wholeTemplate, type TemplateRef, type TemplateSegment } from './template.js';
