import { parseDefinition, planWorkflow } from '../definition/index.js';
import type { Cairn } from './cairn.js';

/** A stored workflow whose steps run the given commands, and what it runs next. */
export interface SequenceCompletion {
  workflow: { id: string; name: string; revision: number; description?: string };
  /** The commands of the request it matched, in order (the longest matching tail). */
  matched: string[];
  /** The steps after the match, in the order the workflow runs them. */
  next: Array<{ step: string; command: string }>;
  /** matched / requested, 0..1. */
  score: number;
}

/**
 * Complete a sequence of commands (`hv-status, hv-broadcast`) from the stored workflows:
 * each workflow's steps in plan order, as written (a configured name such as `hv-delegate`,
 * not the built-in it maps to). A workflow matches when it runs the longest possible tail
 * of the sequence back to back; it offers the steps that follow.
 */
export async function completeSequence(cairn: Cairn, sequence: string[], limit = 5): Promise<SequenceCompletion[]> {
  const wanted = sequence.map((c) => c.trim()).filter((c) => c !== '');
  if (wanted.length === 0) return [];
  const out: SequenceCompletion[] = [];
  for (const summary of await cairn.catalog.list()) {
    const steps = await stepsInOrder(cairn, summary.id);
    const commands = steps.map((s) => s.command);
    for (let length = wanted.length; length > 0; length--) {
      const tail = wanted.slice(wanted.length - length);
      const at = indexOfRun(commands, tail);
      if (at < 0) continue;
      out.push({
        workflow: { id: summary.id, name: summary.name, revision: summary.revision, ...(summary.description ? { description: summary.description } : {}) },
        matched: tail,
        next: steps.slice(at + length),
        score: length / wanted.length,
      });
      break;
    }
  }
  return out.sort((a, b) => b.score - a.score || a.next.length - b.next.length || a.workflow.id.localeCompare(b.workflow.id)).slice(0, limit);
}

async function stepsInOrder(cairn: Cairn, id: string): Promise<Array<{ step: string; command: string }>> {
  const stored = await cairn.catalog.get(id);
  const workflow = parseDefinition(stored.source, { format: stored.format }).workflow;
  if (!workflow) return [];
  const byId = new Map(workflow.steps.map((s) => [s.id, s]));
  try {
    return planWorkflow(workflow).order.map((step) => ({ step, command: byId.get(step)?.named ?? byId.get(step)?.command ?? '' }));
  } catch {
    return [];
  }
}

function indexOfRun(haystack: string[], needle: string[]): number {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((c, j) => haystack[i + j] === c)) return i;
  }
  return -1;
}
