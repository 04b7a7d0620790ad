import type { SuggestionModel } from './model.js';
import { indexOfRun } from './sequence.js';

/*
 * Complete a sequence of commands: the workflows that run its longest tail back to back
 * (those that start with it first), and the commands that most often come next, each
 * workflow weighted by how often it ran.
 */

export interface WorkflowCompletion {
  workflow: string;
  name: string;
  /** The tail of the request it runs, in order. */
  matched: string[];
  /** The steps after the match. */
  next: Array<{ step: string; command: string }>;
  /** matched / given, 0..1. */
  score: number;
  /** Its steps begin with the match. */
  startsWith: boolean;
  runs: number;
}

export interface NextCommand {
  command: string;
  /** Sum over the workflows that run it next: 1 for the definition + 1 per past run. */
  weight: number;
  workflows: string[];
}

export interface Completion {
  next: NextCommand[];
  workflows: WorkflowCompletion[];
}

/** Longer tails than this are not looked for: no workflow repeats that much of a session. */
const MAX_TAIL = 20;

export function autocomplete(model: SuggestionModel, sequence: string[], limit = 5): Completion {
  const wanted = sequence.map((c) => c.trim()).filter((c) => c !== '');
  const workflows: WorkflowCompletion[] = [];
  if (wanted.length === 0) return { next: [], workflows };
  const last = wanted.at(-1) ?? '';
  for (const doc of model.commandUsers.get(last) ?? []) {
    const entry = model.entries[doc];
    if (!entry) continue;
    const commands = entry.steps.map((s) => s.command);
    for (let length = Math.min(wanted.length, MAX_TAIL); length > 0; length--) {
      const tail = wanted.slice(wanted.length - length);
      const at = indexOfRun(commands, tail);
      if (at < 0) continue;
      workflows.push({
        workflow: entry.workflow,
        name: entry.name,
        matched: tail,
        next: entry.steps.slice(at + length).map((s) => ({ step: s.id, command: s.command })),
        score: length / wanted.length,
        startsWith: at === 0,
        runs: model.outcomes[doc]?.runs ?? 0,
      });
      break;
    }
  }
  workflows.sort(
    (a, b) =>
      b.score - a.score ||
      Number(b.startsWith) - Number(a.startsWith) ||
      b.runs - a.runs ||
      a.next.length - b.next.length ||
      a.workflow.localeCompare(b.workflow),
  );
  const next = new Map<string, NextCommand>();
  const longest = workflows[0]?.score ?? 0;
  for (const w of workflows) {
    const command = w.next[0]?.command;
    if (command === undefined || w.score < longest) continue;
    const n = next.get(command) ?? { command, weight: 0, workflows: [] };
    n.weight += 1 + w.runs;
    n.workflows.push(w.workflow);
    next.set(command, n);
  }
  return {
    next: [...next.values()].sort((a, b) => b.weight - a.weight || a.command.localeCompare(b.command)).slice(0, limit),
    workflows: workflows.slice(0, limit),
  };
}
