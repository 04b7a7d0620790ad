import type { StepSpec, Workflow } from './types.js';

/**
 * The workflow's dependency graph, indexed once per definition so the engine does O(degree)
 * work per event instead of scanning every step.
 */
export interface Graph {
  workflow: Workflow;
  byId: Map<string, StepSpec>;
  /** Steps in definition order (the tie-break when several are ready at once). */
  order: string[];
  /** Position of each step in `order`. */
  position: Map<string, number>;
  dependents: Map<string, string[]>;
  /** Steps whose `if`, `for_each` or parameter templates need evaluating before they start. */
  needsPrepare: Set<string>;
}

const TEMPLATE_MARK = '${{';

export function buildGraph(workflow: Workflow): Graph {
  const byId = new Map<string, StepSpec>();
  const dependents = new Map<string, string[]>();
  const position = new Map<string, number>();
  const needsPrepare = new Set<string>();
  workflow.steps.forEach((step, i) => {
    byId.set(step.id, step);
    position.set(step.id, i);
    dependents.set(step.id, []);
  });
  for (const step of workflow.steps) {
    for (const dep of prerequisites(step)) dependents.get(dep)?.push(step.id);
    if (step.if !== undefined || step.forEach !== undefined || hasTemplateDeep(step.parameters)) {
      needsPrepare.add(step.id);
    }
  }
  return { workflow, byId, order: workflow.steps.map((s) => s.id), position, dependents, needsPrepare };
}

function hasTemplateDeep(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(TEMPLATE_MARK);
  if (Array.isArray(value)) return value.some(hasTemplateDeep);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplateDeep);
  return false;
}

/** Every step that must finish before this one may start: its dependencies and `after`. */
export function prerequisites(step: StepSpec): string[] {
  if (!step.after || step.after.length === 0) return step.dependsOn;
  return [...new Set([...step.dependsOn, ...step.after])];
}

/** `deploy[3]` -> instance 3 of step `deploy`. */
export function instanceKey(stepId: string, index: number): string {
  return `${stepId}[${index}]`;
}
