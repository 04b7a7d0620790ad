import type { Cairn, Run } from '../../src/app/index.js';
import { TERMINAL_RUN_STATUSES } from '../../src/app/index.js';

/** How a test answers one waiting step: an approval decision, or a task's output. */
export type Answer = { approve: boolean; by?: string } | { output: Record<string, unknown>; by?: string };

/**
 * Carry a run to its end the way people would: whenever it waits on a task or an
 * approval, answer it from `answers` (by step key). A step with no answer fails the test.
 * Polls with a generous deadline; never asserts on time.
 */
export async function drive(cairn: Cairn, runId: string, answers: Record<string, Answer>, seen: OpenTaskLog = []): Promise<Run> {
  const answered = new Set<string>();
  for (let i = 0; i < 1200; i++) {
    const { run } = await cairn.getRun(runId);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) return run;
    for (const task of await cairn.openTasks(runId)) {
      if (answered.has(task.step)) continue;
      const answer = answers[task.step];
      if (!answer) throw new Error(`run ${runId} waits on '${task.step}' (${task.kind}), which the test does not answer`);
      seen.push({ step: task.step, kind: task.kind, ...(task.assignee !== undefined ? { assignee: task.assignee } : {}), ...(task.instructions !== undefined ? { instructions: task.instructions } : {}) });
      answered.add(task.step);
      if ('approve' in answer) await cairn.approve(runId, task.step, { approve: answer.approve, by: answer.by ?? 'tester' });
      else await cairn.complete(runId, task.step, { output: answer.output, by: answer.by ?? 'tester' });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

export type OpenTaskLog = Array<{ step: string; kind: string; assignee?: string; instructions?: string }>;
