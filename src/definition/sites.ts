import type { Workflow } from '../engine/types.js';
import { findTemplates, parseTemplate, wholeTemplate } from '../expressions/template.js';
import { ExpressionError } from '../expressions/errors.js';
import { valueAt } from './issues.js';

/** Where an expression sits in a definition, and what it may read there. */
export interface ExpressionSite {
  kind: 'if' | 'for_each' | 'parameter' | 'output' | 'workflow_output' | 'rollback';
  /** Index of the step it belongs to (none for workflow outputs). */
  step?: number;
  /** Path of the string holding it, as written in the file. */
  path: (string | number)[];
  expression: string;
  /** Offset of the expression inside that string. */
  offset: number;
  /** A malformed template (unterminated, empty, text around a condition). */
  error?: ExpressionError;
}

/** Every expression of a workflow: conditions, fan-out sources, templates, outputs. */
export function expressionSites(workflow: Workflow, data: Record<string, unknown> | undefined): ExpressionSite[] {
  const sites: ExpressionSite[] = [];
  workflow.steps.forEach((step, i) => {
    const base = ['steps', i];
    if (step.if !== undefined) sites.push(condition('if', i, [...base, 'if'], step.if, valueAt(data, [...base, 'if'])));
    if (typeof step.forEach === 'string') sites.push(condition('for_each', i, [...base, 'for_each'], step.forEach, valueAt(data, [...base, 'for_each'])));
    else if (Array.isArray(step.forEach)) sites.push(...templates('for_each', i, [...base, 'for_each'], step.forEach));
    sites.push(...templates('parameter', i, [...base, 'parameters'], step.parameters));
    if (step.outputs) sites.push(...templates('output', i, [...base, 'outputs'], step.outputs));
    if (step.rollback) sites.push(...templates('rollback', i, [...base, 'rollback', 'parameters'], step.rollback.parameters));
  });
  if (workflow.outputs) sites.push(...templates('workflow_output', undefined, ['outputs'], workflow.outputs));
  return sites;
}

/**
 * A condition or fan-out source: one expression, bare or as a whole `${{ }}`. The raw text
 * (as written) tells where the expression starts inside the string.
 */
function condition(kind: 'if' | 'for_each', step: number, path: (string | number)[], expression: string, raw: unknown): ExpressionSite {
  const site: ExpressionSite = { kind, step, path, expression, offset: 0 };
  if (typeof raw !== 'string' || !raw.includes('${{')) return site;
  try {
    const whole = wholeTemplate(parseTemplate(raw));
    if (whole) site.offset = whole.offset;
    else site.error = new ExpressionError('expected one expression, either bare or as a whole ${{ ... }}, not text mixed with templates', 'EXPR_SYNTAX', raw, raw.indexOf('${{'));
  } catch (err) {
    site.error = err as ExpressionError;
  }
  return site;
}

function templates(kind: ExpressionSite['kind'], step: number | undefined, base: (string | number)[], value: unknown): ExpressionSite[] {
  return findTemplates(value).map((ref) => {
    const site: ExpressionSite = { kind, path: [...base, ...ref.path], expression: ref.expression, offset: ref.offset };
    if (step !== undefined) site.step = step;
    if (ref.error) site.error = ref.error;
    return site;
  });
}
