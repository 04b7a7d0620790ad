import type { SuggestionModel } from './model.js';
import { sequenceMatches } from './sequence.js';
import { searchText } from './text-index.js';
import { wordsOf } from './words.js';

/*
 * Rank workflows for a situation: text relevance (BM25F over the catalog and the notes of
 * past runs), the sequence model, and what history says of each workflow. Deterministic:
 * the same model and request give the same answer, ties broken by id.
 */

export interface SuggestRequest {
  context?: string;
  intent?: string;
  /** Commands (or workflow ids) run just before, oldest first. */
  recent?: string[];
  limit?: number;
  /** Memory notes that match the request, each linked (through its run) to a workflow. */
  notes?: Array<{ workflow: string; text: string }>;
  /** For recency; the ranker never reads the clock. */
  now: number;
}

export interface RankedSuggestion {
  /** The id `cairn run` accepts. */
  workflow: string;
  name: string;
  /** 0..1, comparable within one answer. */
  score: number;
  reasons: string[];
  /** The request's words it matched. */
  matched: string[];
}

/** How much each signal counts when the request gives it (tuned on the training cases only). */
export const SIGNAL_WEIGHTS = { text: 0.6, sequence: 0.3, history: 0.1 };
/** Older commands than these say next to nothing about what comes next (DECAY ** 10 < 1%). */
const MAX_RECENT = 10;
/** The intent says what is wanted; the context describes the situation around it. */
const CONTEXT_WEIGHT = 0.8;
/** How much the words of unknown recent commands count beside the intent. */
const RECENT_WORDS_WEIGHT = 0.3;
const RECENCY_HALF_LIFE_MS = 14 * 24 * 60 * 60 * 1000;

export function suggest(model: SuggestionModel, request: SuggestRequest): RankedSuggestion[] {
  const recent = (request.recent ?? []).map((c) => c.trim()).filter((c) => c !== '').slice(-MAX_RECENT);
  // A recent command Cairn knows nothing about is still words about the situation.
  const unknown = recent.filter((c) => !model.commandUsers.has(c) && !model.names.has(c.toLowerCase()));
  // ... though what was done says less about what is wanted than the words asking for it.
  const query = [
    { text: request.intent ?? '', weight: 1 },
    { text: request.context ?? '', weight: CONTEXT_WEIGHT },
    { text: unknown.join(' '), weight: RECENT_WORDS_WEIGHT },
  ];
  const extra = new Map<number, string[]>();
  for (const note of request.notes ?? []) {
    const doc = model.byKey.get(note.workflow);
    if (doc !== undefined) extra.set(doc, [...(extra.get(doc) ?? []), note.text]);
  }
  const text = searchText(model.text, query, extra);
  const sequence = sequenceMatches(model, recent);
  const hasText = query.some((q) => wordsOf(q.text).length > 0);
  const best = Math.max(0, ...[...text.values()].map((m) => m.score));
  const present = (hasText ? SIGNAL_WEIGHTS.text : 0) + (recent.length > 0 ? SIGNAL_WEIGHTS.sequence : 0) + SIGNAL_WEIGHTS.history;
  const out: RankedSuggestion[] = [];
  for (const doc of new Set([...text.keys(), ...sequence.keys()])) {
    const entry = model.entries[doc];
    if (!entry) continue;
    const t = text.get(doc);
    const s = sequence.get(doc);
    const h = historyScore(model, doc, request.now);
    const score = (SIGNAL_WEIGHTS.text * (t && best > 0 ? t.score / best : 0) + SIGNAL_WEIGHTS.sequence * (s?.score ?? 0) + SIGNAL_WEIGHTS.history * h.score) / present;
    const reasons: string[] = [];
    if (t) reasons.push(`matches ${t.matched.slice(0, 5).map((w) => `'${w}'`).join(', ')}`);
    const fromNotes = noteWords(extra.get(doc), t?.matched ?? []);
    if (fromNotes.length > 0) reasons.push(`notes from its past runs mention ${fromNotes.map((w) => `'${w}'`).join(', ')}`);
    reasons.push(h.reason, ...(s?.reasons ?? []));
    out.push({ workflow: entry.workflow, name: entry.name, score: Math.round(score * 1000) / 1000, reasons, matched: t?.matched ?? [] });
  }
  out.sort((a, b) => b.score - a.score || a.workflow.localeCompare(b.workflow));
  return out.slice(0, request.limit ?? 5);
}

/**
 * 0..1 from the workflow's own record: its success rate (Laplace-smoothed, so no history
 * is an even 0.5), how often it runs against the busiest workflow, and how recently.
 */
function historyScore(model: SuggestionModel, doc: number, now: number): { score: number; reason: string } {
  const o = model.outcomes[doc];
  if (!o) return { score: 0.25, reason: 'no past runs' };
  const success = (o.succeeded + 1) / (o.finished + 2);
  const popularity = model.mostRuns > 0 ? Math.log(1 + o.runs) / Math.log(1 + model.mostRuns) : 0;
  const recency = 0.5 ** (Math.max(0, now - o.lastRunAt) / RECENCY_HALF_LIFE_MS);
  const rate = o.finished > 0 ? `, ${Math.round((100 * o.succeeded) / o.finished)}% succeeded` : '';
  return { score: 0.5 * success + 0.3 * popularity + 0.2 * recency, reason: `${o.runs} past run${o.runs === 1 ? '' : 's'}${rate}` };
}

function noteWords(notes: string[] | undefined, matched: string[]): string[] {
  if (!notes) return [];
  const inNotes = new Set(wordsOf(notes.join(' ')));
  return matched.filter((w) => wordsOf(w).some((t) => inNotes.has(t))).slice(0, 3);
}
