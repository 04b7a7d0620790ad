import { prerequisites } from '../engine/graph.js';
import type { StepSpec, TriggerRule, Workflow } from '../engine/types.js';
import { compileExpression } from '../expressions/compile.js';
import { findCycle } from './graph.js';

/** What a condition or fan-out source reads: the dry run's view of an expression. */
export interface PlanExpression {
  expression: string;
  parameters: string[];
  steps: string[];
}

export interface PlanStep {
  id: string;
  command: string;
  /** Index into `Plan.groups`. */
  group: number;
  dependsOn: string[];
  triggerRule: TriggerRule;
  condition?: PlanExpression;
  /** Fan-out: from an expression, or a literal list of `items` items. */
  forEach?: (PlanExpression | { items: number }) & { maxParallel?: number };
  maxAttempts: number;
  timeoutSeconds?: number;
  continueOnError: boolean;
}

/**
 * The dry run of a workflow: a topological order and the parallel groups (a step's group is
 * one past the deepest of its dependencies, so each group can start once the previous
 * ones are done). `max_parallel` is reported, not applied.
 */
export interface Plan {
  workflow: { id: string; name: string; version: string };
  order: string[];
  groups: string[][];
  maxParallel?: number;
  timeoutSeconds?: number;
  steps: PlanStep[];
}

/** Plan a workflow. Throws on a dependency cycle (validate first). */
export function planWorkflow(workflow: Workflow): Plan {
  const cycle = findCycle(workflow.steps);
  if (cycle) throw new Error(`cannot plan '${workflow.id}': dependency cycle ${[...cycle].reverse().join(' -> ')}`);
  const byId = new Map<string, StepSpec>();
  for (const step of workflow.steps) if (!byId.has(step.id)) byId.set(step.id, step);
  const level = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    // Iterative post-order: chains of thousands of steps must not overflow the stack.
    const stack = [id];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const topStep = byId.get(top);
      const deps = (topStep ? prerequisites(topStep) : []).filter((d) => byId.has(d));
      const pending = deps.filter((d) => !level.has(d));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      level.set(top, deps.reduce((max, d) => Math.max(max, (level.get(d) ?? 0) + 1), 0));
    }
    return level.get(id) ?? 0;
  };
  const groups: string[][] = [];
  for (const id of byId.keys()) {
    const n = levelOf(id);
    while (groups.length <= n) groups.push([]);
    groups[n]!.push(id);
  }
  const steps = [...byId.values()].map((step) => planStep(step, level.get(step.id) ?? 0));
  const plan: Plan = { workflow: { id: workflow.id, name: workflow.name, version: workflow.version }, order: groups.flat(), groups, steps };
  if (workflow.maxParallel !== undefined) plan.maxParallel = workflow.maxParallel;
  if (workflow.timeoutSeconds !== undefined) plan.timeoutSeconds = workflow.timeoutSeconds;
  return plan;
}

function planStep(step: StepSpec, group: number): PlanStep {
  const out: PlanStep = {
    id: step.id,
    command: step.command,
    group,
    dependsOn: [...step.dependsOn],
    triggerRule: step.triggerRule,
    maxAttempts: step.retry.maxAttempts,
    continueOnError: step.continueOnError,
  };
  if (step.if !== undefined) out.condition = reads(step.if);
  if (step.forEach !== undefined) {
    const source = typeof step.forEach === 'string' ? reads(step.forEach) : { items: step.forEach.length };
    out.forEach = step.maxParallel !== undefined ? { ...source, maxParallel: step.maxParallel } : source;
  }
  if (step.timeoutSeconds !== undefined) out.timeoutSeconds = step.timeoutSeconds;
  return out;
}

function reads(expression: string): PlanExpression {
  const parameters = new Set<string>();
  const steps = new Set<string>();
  try {
    for (const ref of compileExpression(expression).references()) {
      if (ref.root === 'parameters' && ref.key !== undefined) parameters.add(ref.key);
      if (ref.root === 'steps' && ref.key !== undefined) steps.add(ref.key);
    }
  } catch {
    // An expression that does not compile reads nothing we can name; validation says why.
  }
  return { expression, parameters: [...parameters], steps: [...steps] };
}
