import { planWorkflow, type Diagnostic, type Plan } from '../definition/index.js';
import type { Cairn } from './cairn.js';
import { resolveParameters } from './parameters.js';

export interface DryRunRequest {
  /** A stored workflow id (its newest revision, or `revision`)... */
  workflowId?: string;
  revision?: number;
  /** ...or a definition given as text. */
  text?: string;
  format?: 'yaml' | 'json';
  parameters?: Record<string, unknown>;
}

export interface DryRunReport {
  valid: boolean;
  diagnostics: Diagnostic[];
  /** The parameter values the run would get: defaults applied, types checked. */
  parameters?: Record<string, unknown>;
  /** What would run, in which order and which steps together. */
  plan?: Plan;
}

/**
 * What a run would do, with nothing run and nothing stored: the definition checked at the
 * `standard` level (as a start checks it), the parameters resolved as a start resolves
 * them (a bad one throws PARAMETER_INVALID), and the plan.
 */
export async function dryRun(cairn: Cairn, req: DryRunRequest): Promise<DryRunReport> {
  let text = req.text;
  let format = req.format;
  let label = 'definition';
  if (req.workflowId !== undefined) {
    const stored = await cairn.catalog.get(req.workflowId, req.revision);
    text = stored.source;
    format = stored.format;
    label = stored.path ?? req.workflowId;
  }
  const report = await cairn.validateText(text ?? '', { level: 'standard', label, ...(format ? { format } : {}) });
  if (!report.valid || !report.workflow) return { valid: false, diagnostics: report.diagnostics };
  const parameters = resolveParameters(report.workflow.parameters, req.parameters ?? {});
  return { valid: true, diagnostics: report.diagnostics, parameters, plan: planWorkflow(report.workflow) };
}
