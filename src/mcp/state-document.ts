import { fencedData } from './result.js';
import type { StatusView, TaskView } from './status.js';

/**
 * A run as a Markdown state document, in the manner of the `workflow_state.md` files
 * phase-driven agent workflows keep: State, Phases, Open tasks, Gates, Items, Next. Here
 * the engine keeps the state; the document is only a view of it. What the run produced
 * (outputs, errors, gate evidence) is in the Data section, fenced as data.
 */
export function stateDocument(s: StatusView): string {
  const lines: string[] = [
    '# workflow_state.md',
    `_Run \`${s.execution_id}\` of workflow \`${s.workflow.id}\`${s.started_by ? `, started by ${s.started_by}` : ''} · ${new Date().toISOString()}_`,
    '',
    '## State',
    `Phase: ${s.phases?.current ?? '(no phases)'}  `,
    `Status: ${statusLabel(s)}  `,
    `CurrentItem: ${currentItem(s)}`,
    '',
  ];
  if (s.phases) {
    lines.push('## Phases', '| # | phase | state | steps |', '|---|---|---|---|');
    s.phases.list.forEach((p, i) => lines.push(`| ${i + 1} | ${cell(p.name)} | ${p.state} | ${cell(p.steps.join(', '))} |`));
    lines.push('');
  }
  lines.push('## Open tasks');
  if (s.open_tasks.length === 0) lines.push('None.');
  for (const t of s.open_tasks) lines.push(...taskSection(t));
  lines.push('');
  if (s.gates.length > 0) {
    lines.push('## Gates', '| gate | phase | state |', '|---|---|---|');
    for (const g of s.gates) lines.push(`| ${cell(g.step)} | ${cell(g.phase ?? '')} | ${g.state} |`);
    lines.push('', 'Each gate\'s summary and check evidence are under Data (`gates`).', '');
  }
  lines.push('## Items', '| step | phase | status | attempts |', '|---|---|---|---|');
  for (const st of s.steps) lines.push(`| ${cell(st.step)} | ${cell(st.phase ?? '')} | ${st.status} | ${st.attempts} |`);
  lines.push('', '## Next');
  lines.push(s.next.tool ? `Call \`${s.next.tool}\` with \`${JSON.stringify(s.next.arguments ?? {})}\`: ${s.next.why}` : s.next.why);
  lines.push('', '## Data', fencedData({ gates: s.gates, ...s.data }), '');
  return lines.join('\n');
}

function statusLabel(s: StatusView): string {
  if (s.status === 'succeeded') return 'COMPLETED';
  if (s.paused) return 'PAUSED';
  if (s.open_tasks.some((t) => t.kind === 'approval')) return 'NEEDS_APPROVAL';
  if (s.open_tasks.some((t) => t.for_you)) return 'NEEDS_AGENT_OUTPUT';
  if (s.open_tasks.length > 0) return 'NEEDS_TASK_OUTPUT';
  return s.status.toUpperCase();
}

function currentItem(s: StatusView): string {
  const t = s.open_tasks.find((x) => x.for_you) ?? s.open_tasks[0];
  if (t) return `${t.step} (${t.kind}${t.assignee ? ` for ${t.assignee}` : ''})`;
  const busy = s.steps.find((st) => st.status === 'running' || st.status === 'retrying');
  return busy ? `${busy.step} (running)` : 'none';
}

function taskSection(t: TaskView): string[] {
  const out = ['', `### \`${t.step}\`: ${t.kind}${t.assignee ? ` for ${t.assignee}` : ''}${t.phase ? ` (phase ${t.phase})` : ''}${t.for_you ? ', yours' : ''}`];
  if (t.instructions) out.push('Instructions, from the workflow definition:', '', ...t.instructions.split('\n').map((l) => `> ${l}`), '');
  if (t.kind === 'approval') {
    out.push(`Approvals: ${t.approved_by.length} of ${t.required ?? 1}${t.approvers && t.approvers.length > 0 ? `; approvers: ${t.approvers.join(', ')}` : ''}`);
  }
  if (t.output_schema) out.push('Output schema:', fencedData(t.output_schema));
  if (t.due_at) out.push(`Due: ${t.due_at}`);
  out.push(`Answer with \`${t.answer_with.tool}\` \`${JSON.stringify(t.answer_with.arguments)}\``);
  return out;
}

/** Table cells hold ids and names: keep them on one line and out of the table syntax. */
function cell(text: string): string {
  return text.replace(/[|\n\r]/g, ' ');
}
