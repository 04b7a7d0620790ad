import { prerequisites } from '../engine/graph.js';
import type { StepSpec, Workflow } from '../engine/types.js';
import type { Diagnostic } from './diagnostic.js';
import { closestName } from './suggest.js';

/**
 * The dependency graph as validation sees it: ids must be unique, every `depends_on` must
 * name a step, and there must be no cycle. Returns diagnostics with data paths; the caller
 * turns paths into positions.
 */
export function checkGraph(workflow: Workflow, positionLine: (path: (string | number)[]) => number | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const firstIndex = new Map<string, number>();
  workflow.steps.forEach((step, i) => {
    const first = firstIndex.get(step.id);
    if (first === undefined) {
      firstIndex.set(step.id, i);
      return;
    }
    const line = positionLine(['steps', first, 'id']);
    diagnostics.push({
      severity: 'error',
      code: 'DEF_DUPLICATE_STEP',
      message: `duplicate step id '${step.id}': steps[${first}]${line !== undefined ? ` (line ${line})` : ''} already uses it`,
      path: ['steps', i, 'id'],
      fix: 'give each step its own id',
    });
  });
  const ids = [...firstIndex.keys()];
  workflow.steps.forEach((step, i) => {
    step.dependsOn.forEach((dep, j) => {
      if (firstIndex.has(dep)) return;
      const near = closestName(dep, ids.filter((id) => id !== step.id));
      diagnostics.push({
        severity: 'error',
        code: 'DEF_UNKNOWN_DEPENDENCY',
        message: `step '${step.id}' depends on '${dep}', which is not a step of this workflow.${near ? ` Did you mean '${near}'?` : ''}`,
        path: dependsOnPath(i, j),
        fix: near ? `depends_on: [${near}]` : `known steps: ${ids.join(', ')}`,
      });
    });
  });
  const cycle = findCycle(workflow.steps);
  if (cycle) {
    const index = workflow.steps.findIndex((s) => s.id === cycle[0]);
    const target = workflow.steps[index];
    const j = target ? target.dependsOn.indexOf(cycle[1] ?? '') : -1;
    diagnostics.push({
      severity: 'error',
      code: 'DEF_CYCLE',
      message: `dependency cycle: ${[...cycle].reverse().join(' -> ')}`,
      path: j >= 0 ? dependsOnPath(index, j) : ['steps', index],
      fix: 'remove one of these depends_on entries',
    });
  }
  return diagnostics;
}

/** Where `depends_on[j]` of step `i` is (a lone string is written without a list). */
function dependsOnPath(i: number, j: number): (string | number)[] {
  return ['steps', i, 'depends_on', j];
}

/**
 * A cycle as a list of step ids where each depends on the next and the last equals the
 * first (`[a, c, b, a]`: a depends on c, c on b, b on a), or undefined. Iterative DFS.
 */
export function findCycle(steps: readonly StepSpec[]): string[] | undefined {
  const deps = new Map<string, string[]>();
  for (const step of steps) if (!deps.has(step.id)) deps.set(step.id, prerequisites(step));
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  for (const start of deps.keys()) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const edges = deps.get(top.id) ?? [];
      if (top.next >= edges.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const dep = edges[top.next++]!;
      if (!deps.has(dep)) continue;
      const seen = state.get(dep);
      if (seen === 1) {
        const from = stack.findIndex((f) => f.id === dep);
        return [...stack.slice(from).map((f) => f.id), dep];
      }
      if (seen === undefined) {
        state.set(dep, 1);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return undefined;
}

/** Every step each step (transitively) depends on. Assumes no cycle. */
export function ancestors(steps: readonly StepSpec[]): Map<string, Set<string>> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    const out = new Set<string>();
    memo.set(id, out);
    // Explicit stack: a chain of thousands of steps must not overflow the call stack.
    const first = byId.get(id);
    const stack = first ? [...prerequisites(first)] : [];
    while (stack.length > 0) {
      const dep = stack.pop()!;
      if (out.has(dep) || !byId.has(dep)) continue;
      out.add(dep);
      const done = memo.get(dep);
      if (done && done !== out) for (const d of done) out.add(d);
      else {
        const next = byId.get(dep);
        if (next) stack.push(...prerequisites(next));
      }
    }
    return out;
  };
  for (const step of steps) visit(step.id);
  return memo;
}
