import { autocomplete, type Completion } from '../insight/autocomplete.js';
import { buildModel, type SuggestionModel } from '../insight/model.js';
import { prefillParameters, type Prefill } from '../insight/prefill.js';
import { suggest } from '../insight/suggest.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';
import { entryOfRun, loadSources, pastRuns } from './suggestion-sources.js';
import { templatesDir } from './templates.js';

/*
 * The application side of suggestions, autocomplete and parameter pre-fill: gather the
 * catalog, the history and the matching memory notes from the store, and hand them to the
 * pure ranker in src/insight. The model is rebuilt only when the store changed.
 */

export interface SuggestInput {
  context?: string;
  intent?: string;
  /** Commands or workflow ids run just before, oldest first. */
  recent?: string[];
  limit?: number;
}

export interface Suggestion {
  /** The id `cairn run` accepts (`template:NAME` for a built-in template). */
  workflow: string;
  name: string;
  score: number;
  /** Why, in words: matched terms, the workflow's record, the sequence it continues. */
  reasons: string[];
  matched: string[];
}

export interface SuggestionOptions {
  /** How many of the newest runs the history covers. */
  historyRuns?: number;
  templatesDir?: string;
}

const HISTORY_RUNS = 20_000;
const NOTE_HITS = 50;
const HISTORY_FRESH_MS = 5_000;

interface Built {
  /** The definitions it was built from. */
  key: string;
  /** The feed head (the newest event) and the time it was built at. */
  head: number;
  at: number;
  model: SuggestionModel;
  runEntries: Map<string, string>;
}

const built = new WeakMap<Store, Built>();

/** What the functions below need of Cairn. */
export interface StoreHolder {
  readonly store: Store;
}

async function modelFor({ store }: StoreHolder, opts: SuggestionOptions): Promise<Built> {
  const defs = await store.listDefinitions();
  const key = `${defs.length}:${defs.at(-1)?.hash ?? ''}:${opts.templatesDir ?? ''}`;
  const head = await store.feedHead();
  const had = built.get(store);
  // A new workflow shows at once; new runs may wait a few seconds, so a busy server does
  // not rebuild the model for every query.
  if (had?.key === key && (had.head === head || Date.now() - had.at < HISTORY_FRESH_MS)) return had;
  const sources = await loadSources(store, opts.templatesDir ?? templatesDir());
  const runs = await store.listRuns({ limit: opts.historyRuns ?? HISTORY_RUNS });
  const runEntries = new Map<string, string>();
  for (const run of runs) {
    const entry = entryOfRun(sources, run);
    if (entry !== undefined) runEntries.set(run.id, entry);
  }
  const next = { key, head, at: Date.now(), model: buildModel(sources.entries, pastRuns(sources, runs)), runEntries };
  built.set(store, next);
  return next;
}

/** Ranked workflows for a situation, best first, each with its reasons. */
export async function suggestWorkflows(cairn: StoreHolder, input: SuggestInput, opts: SuggestionOptions = {}): Promise<Suggestion[]> {
  const { model, runEntries } = await modelFor(cairn, opts);
  const words = `${input.context ?? ''} ${input.intent ?? ''}`.trim();
  const notes: Array<{ workflow: string; text: string }> = [];
  if (words !== '') {
    for (const hit of await cairn.store.searchNotes(words, { limit: NOTE_HITS })) {
      if (hit.runId === undefined) continue;
      const workflow = runEntries.get(hit.runId);
      if (workflow !== undefined) notes.push({ workflow, text: hit.text });
    }
  }
  return suggest(model, {
    ...(input.context !== undefined ? { context: input.context } : {}),
    ...(input.intent !== undefined ? { intent: input.intent } : {}),
    recent: input.recent ?? [],
    limit: input.limit ?? 5,
    notes,
    now: Date.now(),
  }).map((s) => ({ workflow: s.workflow, name: s.name, score: s.score, reasons: s.reasons, matched: s.matched }));
}

/** The likely next commands after a sequence, and the workflows that run it. */
export async function autocompleteSequence(cairn: StoreHolder, sequence: string[], limit = 5, opts: SuggestionOptions = {}): Promise<Completion> {
  const { model } = await modelFor(cairn, opts);
  return autocomplete(model, sequence, limit);
}

/**
 * For a workflow (`template:NAME` or a stored id), each parameter's most used values in
 * successful runs, with counts, beside its default.
 */
export async function prefillFor(cairn: StoreHolder, workflow: string, opts: SuggestionOptions = {}): Promise<Prefill & { workflow: string }> {
  const { model } = await modelFor(cairn, opts);
  const i = model.byKey.get(workflow) ?? model.entries.findIndex((e) => e.aliases?.includes(workflow));
  const entry = model.entries[i];
  if (!entry) throw new CairnError('WORKFLOW_NOT_FOUND', `no workflow '${workflow}': give a stored workflow id or template:NAME`, { workflow });
  return { workflow: entry.workflow, ...prefillParameters(entry.parameters ?? {}, model.runsOf[i] ?? []) };
}
