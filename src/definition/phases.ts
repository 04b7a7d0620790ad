import type { StepSpec, Workflow } from '../engine/types.js';
import { DEFAULT_RETRY } from './retry-default.js';
import type { WorkflowInput } from './schema.js';

type ApprovalInput = NonNullable<WorkflowInput['approval_required']>;
type PhaseInput = NonNullable<WorkflowInput['phases']>[number];

/**
 * Phases become graph edges: every step of a phase gets `after` = the steps of the phase
 * before it (and that phase's approval, when it asks for one), so the engine needs no
 * notion of phases to hold a phase until the previous one has passed.
 */
export function applyPhases(workflow: Workflow, phases: readonly PhaseInput[]): void {
  const names = phases.map((p) => (typeof p === 'string' ? p : p.name));
  workflow.phases = names;
  let previous: string[] = [];
  phases.forEach((phase, i) => {
    const name = names[i] as string;
    const members = workflow.steps.filter((s) => s.phase === name);
    for (const member of members) if (previous.length > 0) member.after = [...new Set([...(member.after ?? []), ...previous])];
    const gate = typeof phase === 'string' ? undefined : phase.approval;
    const passed = members.map((m) => m.id);
    if (gate) {
      const approval = approvalStep(uniqueId(workflow, `${name}-approval`), gate, `Approve the end of phase ${name} before the next phase starts.`);
      approval.phase = name;
      approval.after = passed.length > 0 ? passed : previous;
      workflow.steps.push(approval);
      previous = [approval.id];
    } else if (passed.length > 0) {
      previous = passed;
    }
  });
}

/** `approval_required`: an approval step every first step waits for. */
export function applyRunApproval(workflow: Workflow, option: ApprovalInput): void {
  if (option === false) return;
  const approval = approvalStep(uniqueId(workflow, 'approve'), option, `Approve running ${workflow.name}.`);
  for (const step of workflow.steps) {
    if (step.dependsOn.length === 0 && (step.after ?? []).length === 0) step.dependsOn = [approval.id];
  }
  // Appended, not prepended: diagnostics locate steps by their index in the file.
  workflow.steps.push(approval);
}

function approvalStep(id: string, option: ApprovalInput, instructions: string): StepSpec {
  const parameters: Record<string, unknown> = { instructions };
  if (typeof option === 'object') {
    if (option.instructions !== undefined) parameters.instructions = option.instructions;
    if (option.required !== undefined) parameters.required = option.required;
    if (option.approvers !== undefined) parameters.approvers = option.approvers;
    if (option.self_approval !== undefined) parameters.self_approval = option.self_approval;
  }
  return { id, command: 'approval', description: instructions, parameters, dependsOn: [], retry: DEFAULT_RETRY, continueOnError: false, triggerRule: 'all_success', extras: {} };
}

function uniqueId(workflow: Workflow, base: string): string {
  const taken = new Set(workflow.steps.map((s) => s.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
