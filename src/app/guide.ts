import { TERMINAL_STEP_STATUSES, type OpenTask, type StepRun, type StepStatus } from '../engine/types.js';
import type { RunView } from './run-access.js';

/*
 * Where a run stands, for whoever works through it (an agent over MCP, later the
 * dashboard): its phases and which one is current, the tasks open now, and the gates
 * with their evidence. Read from the run's steps; the engine decides, this only reports.
 */

export type PhaseState = 'pending' | 'active' | 'done' | 'failed' | 'skipped';

export interface PhaseView {
  name: string;
  state: PhaseState;
  /** Step keys of the phase, in the run's order. */
  steps: string[];
}

/** `holding`: failed, with the evidence of why; `pending`: not checked yet. */
export type GateState = 'pending' | 'checking' | 'holding' | 'passed' | 'skipped';

export interface GateView {
  step: string;
  phase?: string;
  state: GateState;
  /** One line: what holds it, or what passed. */
  summary?: string;
  /** Each check's result, as the gate reported it. */
  checks?: unknown;
}

export interface GuideTask extends OpenTask {
  phase?: string;
}

export interface RunGuide {
  /** Empty when the workflow declares no phases. */
  phases: PhaseView[];
  /** The first phase not yet done (or the last one, once all are). */
  currentPhase?: string;
  tasks: GuideTask[];
  gates: GateView[];
  steps: GuideStep[];
}

const DONE: readonly StepStatus[] = ['succeeded', 'skipped'];

export function runGuide(view: RunView, open: OpenTask[]): RunGuide {
  const steps = allSteps(view);
  const phaseOf = new Map(steps.map((st) => [st.key, st.phase]));
  const phases = (view.workflow?.phases ?? []).map((name): PhaseView => {
    const members = steps.filter((st) => st.phase === name);
    return { name, state: phaseState(members), steps: members.map((st) => st.key) };
  });
  const current = phases.find((p) => p.state !== 'done' && p.state !== 'skipped') ?? phases.at(-1);
  const tasks = open.map((t): GuideTask => {
    const phase = phaseOf.get(t.step);
    return { ...t, ...(phase !== undefined ? { phase } : {}) };
  });
  const gates = steps.filter((st) => st.gate).map((st) => gateView(st, st.phase));
  return { phases, ...(current ? { currentPhase: current.name } : {}), tasks, gates, steps };
}

/** A step of the run with its phase and command; steps the run has not reached yet are `pending`. */
export interface GuideStep extends StepRun {
  phase?: string;
  /** As written: a configured name such as `hv-delegate`, or the built-in. */
  command?: string;
  /** A `gate` step (also when written as a configured name). */
  gate?: true;
}

/** Every step of the workflow in plan order, with the run's state of it (a fan-out's instances in place of it). */
function allSteps(view: RunView): GuideStep[] {
  const byStep = new Map<string, StepRun[]>();
  for (const st of view.steps) byStep.set(st.stepId, [...(byStep.get(st.stepId) ?? []), st]);
  // In plan order (a phase's approval after the phase's steps), not as the file lists them.
  const rank = new Map(view.groups.flat().map((id, i) => [id, i]));
  const specs = [...(view.workflow?.steps ?? [])].sort((a, b) => (rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER));
  const known = new Set(specs.map((s) => s.id));
  const out: GuideStep[] = [];
  for (const spec of specs) {
    const runs = byStep.get(spec.id) ?? [{ key: spec.id, stepId: spec.id, status: 'pending' as const, attempts: 0 }];
    const instances = runs.length > 1 ? runs.filter((st) => st.index !== undefined) : runs;
    for (const st of instances) out.push({ ...st, ...(spec.phase !== undefined ? { phase: spec.phase } : {}), command: spec.named ?? spec.command, ...(spec.command === 'gate' ? { gate: true } : {}) });
  }
  // Steps the definition no longer explains (its body is missing): as the store has them.
  for (const st of view.steps) if (!known.has(st.stepId)) out.push(st);
  return out;
}

function phaseState(steps: StepRun[]): PhaseState {
  if (steps.length === 0) return 'done';
  if (steps.some((st) => st.status === 'failed' || st.status === 'cancelled')) return 'failed';
  if (steps.every((st) => st.status === 'skipped')) return 'skipped';
  if (steps.every((st) => DONE.includes(st.status))) return 'done';
  if (steps.every((st) => st.status === 'pending' || st.status === 'skipped')) return 'pending';
  return 'active';
}

function gateView(st: StepRun, phase: string | undefined): GateView {
  const base = { step: st.key, ...(phase !== undefined ? { phase } : {}) };
  if (st.status === 'succeeded') return { ...base, state: 'passed', ...checksOf(st.outputs) };
  if (st.status === 'failed' || st.status === 'retrying') {
    return { ...base, state: 'holding', ...(st.error ? { summary: st.error.message } : {}), ...checksOf(st.error?.details) };
  }
  if (st.status === 'running') return { ...base, state: 'checking' };
  if (TERMINAL_STEP_STATUSES.includes(st.status)) return { ...base, state: 'skipped', ...(st.reason ? { summary: st.reason } : {}) };
  return { ...base, state: 'pending' };
}

function checksOf(source: Record<string, unknown> | undefined): { checks?: unknown } {
  return source && 'checks' in source ? { checks: source['checks'] } : {};
}
