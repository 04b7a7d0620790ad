import type { ParameterSpec, RunStatus } from '../engine/types.js';
import { buildTextIndex, type TextIndex } from './text-index.js';

/*
 * What the ranker knows, built once from the catalog and the history and then queried
 * many times: the text index, each workflow's outcomes, what ran after what, and which
 * workflows run which commands in which order.
 */

/** A workflow that can be suggested. */
export interface CatalogEntry {
  /** The id `cairn run` accepts: `template:NAME` for a built-in template, else the stored id. */
  workflow: string;
  /** Other names that mean it in recent commands (the definition's own id). */
  aliases?: string[];
  name: string;
  description?: string;
  category?: string;
  tags: string[];
  /** Steps in the order a run starts them; `command` as written (`hv-status`, not its built-in). */
  steps: Array<{ id: string; command: string; description?: string }>;
  parameters?: Record<string, ParameterSpec>;
}

/** One past run, already mapped to the catalog entry it ran. */
export interface PastRun {
  workflow: string;
  status: RunStatus;
  createdAt: number;
  parameters?: Record<string, unknown>;
}

export interface Outcomes {
  runs: number;
  succeeded: number;
  /** Runs that reached an end (succeeded, failed, cancelled, rolled back). */
  finished: number;
  lastRunAt: number;
}

export interface SuggestionModel {
  entries: CatalogEntry[];
  text: TextIndex;
  /** By entry index. */
  outcomes: Array<Outcomes | undefined>;
  /** By entry index, oldest first (parameter pre-fill counts their values). */
  runsOf: PastRun[][];
  mostRuns: number;
  /** entry index -> entry index run next -> how many times. */
  follows: Map<number, Map<number, number>>;
  /** Entry key -> entry index. */
  byKey: Map<string, number>;
  /** A lower-cased name (workflow id, alias, template name) -> entry index. */
  names: Map<string, number>;
  /** command -> the entries whose steps run it. */
  commandUsers: Map<string, number[]>;
}

/** Two runs this close together count as one following the other. */
export const FOLLOW_WINDOW_MS = 2 * 60 * 60 * 1000;
const ENDED: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'rolled_back']);

export function buildModel(entries: CatalogEntry[], runs: PastRun[]): SuggestionModel {
  const names = new Map<string, number>();
  const commandUsers = new Map<string, number[]>();
  entries.forEach((entry, i) => {
    for (const name of [entry.workflow, ...(entry.aliases ?? [])]) {
      const key = name.toLowerCase();
      if (!names.has(key)) names.set(key, i);
      if (key.startsWith('template:') && !names.has(key.slice(9))) names.set(key.slice(9), i);
    }
    for (const command of new Set(entry.steps.map((s) => s.command))) {
      const users = commandUsers.get(command) ?? [];
      users.push(i);
      commandUsers.set(command, users);
    }
  });
  const text = buildTextIndex(
    entries.map((e) => ({
      fields: {
        name: `${e.name} ${e.workflow.replace(/^template:/, '')}`,
        tags: [...e.tags, e.category ?? ''].join(' '),
        description: e.description ?? '',
        steps: e.steps.map((s) => `${s.id} ${s.description ?? ''}`).join(' '),
      },
    })),
  );
  const byKey = new Map(entries.map((e, i) => [e.workflow, i]));
  const outcomes: Array<Outcomes | undefined> = entries.map(() => undefined);
  const runsOf: PastRun[][] = entries.map(() => []);
  const follows = new Map<number, Map<number, number>>();
  const ordered = runs.filter((r) => byKey.has(r.workflow)).sort((a, b) => a.createdAt - b.createdAt);
  let previous: { at: number; entry: number } | undefined;
  let mostRuns = 0;
  for (const run of ordered) {
    const i = byKey.get(run.workflow) ?? -1;
    const o = (outcomes[i] ??= { runs: 0, succeeded: 0, finished: 0, lastRunAt: 0 });
    runsOf[i]?.push(run);
    o.runs += 1;
    if (run.status === 'succeeded') o.succeeded += 1;
    if (ENDED.has(run.status)) o.finished += 1;
    o.lastRunAt = Math.max(o.lastRunAt, run.createdAt);
    mostRuns = Math.max(mostRuns, o.runs);
    if (previous && run.createdAt - previous.at <= FOLLOW_WINDOW_MS) {
      const next = follows.get(previous.entry) ?? new Map<number, number>();
      next.set(i, (next.get(i) ?? 0) + 1);
      follows.set(previous.entry, next);
    }
    previous = { at: run.createdAt, entry: i };
  }
  return { entries, text, outcomes, runsOf, mostRuns, follows, byKey, names, commandUsers };
}
