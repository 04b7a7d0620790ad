import type { Plan, PlanExpression, PlanStep } from './plan.js';

const WIDTH = 76;

/** The plan as text: a small picture of the parallel groups, then each step in order. */
export function formatPlan(plan: Plan): string {
  const { workflow, groups, steps } = plan;
  const byId = new Map(steps.map((s) => [s.id, s]));
  const limits = [
    `max_parallel ${plan.maxParallel ?? 'unlimited'}`,
    ...(plan.timeoutSeconds !== undefined ? [`timeout ${plan.timeoutSeconds} s`] : []),
  ];
  const lines = [
    `Plan for '${workflow.name}' (id ${workflow.id}, version ${workflow.version}): ${count(steps.length, 'step')} in ${count(groups.length, 'group')}, ${limits.join(', ')}`,
    '',
    ...picture(groups),
    '',
  ];
  const idWidth = Math.min(24, Math.max(...steps.map((s) => s.id.length), 2));
  groups.forEach((group, g) => {
    lines.push(`Group ${g + 1}${group.length > 1 ? ` (${group.length} steps may run at once)` : ''}`);
    for (const id of group) {
      const step = byId.get(id);
      if (step) lines.push(...describeStep(step, idWidth));
    }
  });
  lines.push('', `Order: ${plan.order.join(', ')}`);
  return lines.join('\n');
}

/** `[a] [b]` rows joined by arrows; long rows wrap. */
function picture(groups: string[][]): string[] {
  const out: string[] = [];
  groups.forEach((group, g) => {
    if (g > 0) out.push('    |', '    v');
    let row = '  ';
    for (const id of group) {
      const box = `[${id}] `;
      if (row.length + box.length > WIDTH && row.trim() !== '') {
        out.push(row.trimEnd());
        row = '  ';
      }
      row += box;
    }
    out.push(row.trimEnd());
  });
  return out;
}

function describeStep(step: PlanStep, idWidth: number): string[] {
  const pad = ' '.repeat(4 + idWidth + 2);
  const head = `    ${step.id.padEnd(idWidth)}  ${step.command}${step.dependsOn.length ? `  after ${step.dependsOn.join(', ')}` : ''}`;
  const lines = [head];
  if (step.condition) lines.push(`${pad}if ${step.condition.expression}${readsText(step.condition)}`);
  if (step.forEach) {
    const source = 'items' in step.forEach ? `a list of ${count(step.forEach.items, 'item')}` : `${step.forEach.expression}${readsText(step.forEach)}`;
    const at = step.forEach.maxParallel !== undefined ? `, ${step.forEach.maxParallel} at a time` : '';
    lines.push(`${pad}for each item of ${source}${at}`);
  }
  const notes = [
    ...(step.maxAttempts > 1 ? [`up to ${step.maxAttempts} attempts`] : []),
    ...(step.timeoutSeconds !== undefined ? [`timeout ${step.timeoutSeconds} s`] : []),
    ...(step.continueOnError ? ['continues on error'] : []),
    ...(step.triggerRule !== 'all_success' ? [`starts when ${step.triggerRule}`] : []),
  ];
  if (notes.length) lines.push(`${pad}${notes.join(', ')}`);
  return lines;
}

function readsText(expr: PlanExpression): string {
  const names = [...expr.parameters.map((p) => `parameters.${p}`), ...expr.steps.map((s) => `steps.${s}`)];
  return names.length ? `  (depends on ${names.join(', ')})` : '  (depends on nothing: constant)';
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
