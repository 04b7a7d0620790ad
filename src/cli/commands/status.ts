import type { Command } from 'commander';
import pc from 'picocolors';
import type { Run } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { colorStatus, duration, stepIcon, table, time } from '../format.js';
import { openFrom } from '../open.js';
import { runJson } from '../run-json.js';

export default async function status(id: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const { run, steps, groups, workflow } = await cairn.getRun(id);
    // Sub-workflows: the runs its `workflow` steps started, oldest first.
    const children = (await cairn.listRuns({ parentRunId: run.id })).reverse();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...runJson(run, steps), ...linksJson(run, children) }, null, 2)}\n`);
      return EXIT.ok;
    }
    const took = run.startedAt ? duration((run.finishedAt ?? Date.now()) - run.startedAt) : '';
    process.stdout.write(`${pc.bold(run.workflowName)} ${pc.dim(`(${run.workflowId})`)}  run ${run.id}\n`);
    process.stdout.write(`status ${colorStatus(run.status)}  started ${time(run.startedAt ?? run.createdAt)}${took ? `  took ${took}` : ''}${run.startedBy ? `  by ${run.startedBy}` : ''}\n`);
    if (run.parent) process.stdout.write(`parent: ${run.parent.runId} step ${run.parent.step}\n`);
    if (run.error) process.stdout.write(`${pc.red(run.error.message)}\n`);
    const byKey = new Map(steps.map((s) => [s.key, s]));
    const rows: string[][] = [[pc.dim('  step'), pc.dim('status'), pc.dim('tries'), pc.dim('took'), pc.dim('note')]];
    const addRow = (key: string, bracket: string) => {
      const s = byKey.get(key);
      const st = s?.status ?? 'pending';
      const took = s?.startedAt ? duration((s.finishedAt ?? Date.now()) - s.startedAt) : '';
      const note = s?.error ? pc.red(s.error.message) : s?.reason ? pc.dim(s.reason) : '';
      rows.push([`${pc.dim(bracket)}${stepIcon(st)} ${key}`, colorStatus(st), String(s?.attempts ?? 0), took, note]);
    };
    const membersOf = (ids: string[]) => ids.flatMap((sid) => [sid, ...steps.filter((s) => s.stepId === sid && s.index !== undefined).map((s) => s.key)]);
    const phases = workflow?.phases ?? [];
    if (phases.length > 0 && workflow) {
      // One block per phase, in order, with the phase's state: the picture of where the run is.
      for (const phase of [...phases, undefined]) {
        const ids = workflow.steps.filter((w) => w.phase === phase).map((w) => w.id);
        if (ids.length === 0) continue;
        const runs = ids.map((id) => byKey.get(id));
        const states = runs.map((r) => r?.status ?? 'pending');
        // Skipped because an earlier phase or step failed: held, not passed.
        const held = runs.some((r) => r?.status === 'skipped' && /did not pass|failed|cancelled/.test(r.reason ?? ''));
        const state = states.some((x) => x === 'failed') ? pc.red('failed') : held ? pc.red('blocked') : states.every((x) => x === 'succeeded' || x === 'skipped') ? pc.green('passed') : states.some((x) => x !== 'pending') ? pc.cyan('in progress') : pc.dim('not started');
        rows.push([pc.bold(phase ?? '(no phase)'), state, '', '', '']);
        for (const key of membersOf(ids)) addRow(key, '  ');
      }
    } else {
      for (const group of groups) {
        const members = membersOf(group);
        members.forEach((key, i) => addRow(key, members.length === 1 ? ' ' : i === 0 ? '┌' : i === members.length - 1 ? '└' : '│'));
      }
    }
    process.stdout.write(`${table(rows)}\n`);
    // Steps handed to workers that no worker has taken yet, and whether any could.
    if (steps.some((s) => s.status === 'running')) {
      for (const w of await cairn.waitingForWorkers(run.id)) {
        const labels = w.labels.length > 0 ? `labels [${w.labels.join(', ')}]` : 'any labels';
        const why = w.noWorker ? pc.yellow(`no live worker has ${labels}: it waits until one starts (cairn worker --labels ${w.labels.join(',') || '...'})`) : `queued for a worker with ${labels} since ${time(w.queuedAt)}`;
        process.stdout.write(`${pc.yellow('⏳')} step '${w.step}': ${why}\n`);
      }
    }
    // What holds the run: open tasks and approvals, and the evidence of a failed gate.
    for (const task of await cairn.openTasks(run.id)) {
      const verb = task.kind === 'approval' ? 'approve' : 'complete';
      process.stdout.write(`${pc.yellow('⏸')} waiting for ${task.kind} '${task.step}'${task.assignee ? ` (${task.assignee})` : ''}${task.kind === 'approval' ? ` ${task.approvedBy.length}/${task.required ?? 1}` : ''}: cairn ${verb} ${run.id} ${task.step}\n`);
    }
    for (const s of steps) {
      const checks = s.error?.code === 'GATE_FAILED' ? (s.error.details?.checks as Array<{ name?: string; passed: boolean; summary?: string }> | undefined) : undefined;
      if (!checks) continue;
      process.stdout.write(`${pc.red('✗')} gate '${s.key}' holds the run:\n`);
      for (const c of checks) process.stdout.write(`    ${c.passed ? pc.green('✓') : pc.red('✗')} ${c.summary ?? c.name ?? ''}\n`);
    }
    if (children.length > 0) {
      process.stdout.write(`${pc.bold('children:')}\n`);
      const rows = children.map((c) => [`  ${c.id}`, c.workflowName, `step ${c.parent?.step ?? '?'}`, colorStatus(c.status)]);
      process.stdout.write(`${table(rows)}\n`);
    }
    if (run.outputs && Object.keys(run.outputs).length > 0) process.stdout.write(`${pc.bold('outputs:')} ${JSON.stringify(run.outputs, null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}

/** The sub-workflow links, in `--json`: present only when the run has them. */
function linksJson(run: Run, children: Run[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (run.parent) out.parent = { run_id: run.parent.runId, step: run.parent.step };
  if (children.length > 0) out.children = children.map((c) => ({ run_id: c.id, workflow: c.workflowId, step: c.parent?.step ?? null, status: c.status }));
  return out;
}
