/**
 * The workflow definition layer: read YAML/JSON with positions, check it against the one
 * zod schema, normalize it into the engine's `Workflow`, validate it at a level, plan it.
 */
export { checkPools } from './check-pools.js';
export { createCatalog, type CommandCatalog, type CommandDescription } from './catalog.js';
export { DIAGNOSTIC_CODES, formatDiagnostic, hasErrors, type Diagnostic, type DiagnosticCode } from './diagnostic.js';
export { durationMs } from './duration.js';
export { WORKFLOW_SCHEMA_ID, workflowJsonSchema } from './json-schema.js';
export { DEFAULT_MAX_BYTES, MAX_ALIAS_COUNT, MAX_NESTING } from './limits.js';
export { DEFAULT_RETRY, MANUAL_COMMAND, slug } from './normalize.js';
export { loadDefinitionFile, parseDefinition, type ParsedDefinition, type ParseOptions } from './parse.js';
export { planWorkflow, type Plan, type PlanExpression, type PlanStep } from './plan.js';
export { formatPlan } from './plan-format.js';
export type { Position, SourcePositions } from './positions.js';
export type { DefinitionFormat } from './read.js';
export { workflowSchema } from './schema.js';
export { VALIDATION_LEVELS, validateWorkflow, type ValidationLevel } from './validate.js';
export { describe, valueAt } from './issues.js';
