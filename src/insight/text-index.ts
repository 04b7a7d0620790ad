import { termsOf, wordsOf } from './words.js';

/*
 * BM25F text relevance: each document is a few fields (name, tags, description, step
 * descriptions, notes) whose term frequencies are weighted before BM25's saturation, so a
 * word in the name counts more than the same word deep in a step. Built once per
 * catalog; a query touches only the postings of its own words.
 */

export type Field = 'name' | 'tags' | 'description' | 'steps' | 'notes';

/** How much one occurrence in each field counts (tuned on the training cases only). */
export const FIELD_WEIGHTS: Record<Field, number> = { name: 3, tags: 2.5, description: 1.5, steps: 1, notes: 0.7 };

const K1 = 1.2;
const B = 0.6;

export interface TextDocument {
  fields: Partial<Record<Field, string>>;
}

interface Posting {
  doc: number;
  /** Weighted term frequency over the fields. */
  tf: number;
}

export interface TextIndex {
  readonly size: number;
  readonly postings: Map<string, Posting[]>;
  /** Weighted length of each document. */
  readonly lengths: Float64Array;
  readonly averageLength: number;
}

export function buildTextIndex(docs: TextDocument[]): TextIndex {
  const postings = new Map<string, Posting[]>();
  const lengths = new Float64Array(docs.length);
  docs.forEach((doc, i) => {
    const tf = new Map<string, number>();
    for (const [field, text] of Object.entries(doc.fields) as Array<[Field, string | undefined]>) {
      if (!text) continue;
      for (const word of wordsOf(text)) {
        tf.set(word, (tf.get(word) ?? 0) + FIELD_WEIGHTS[field]);
        lengths[i] = (lengths[i] ?? 0) + FIELD_WEIGHTS[field];
      }
    }
    for (const [word, f] of tf) {
      let list = postings.get(word);
      if (!list) postings.set(word, (list = []));
      list.push({ doc: i, tf: f });
    }
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  return { size: docs.length, postings, lengths, averageLength: docs.length > 0 ? Math.max(1, total / docs.length) : 1 };
}

/** Some text of the request and how much its words count (1: fully). */
export interface QueryPart {
  text: string;
  weight: number;
}

export interface TextMatch {
  score: number;
  /** The request's words (as written) this document contains, in the request's order. */
  matched: string[];
}

/**
 * Score every document sharing a word with the query. `extra` adds per-query text to some
 * documents (memory notes linked to their past runs), weighted as the `notes` field.
 */
export function searchText(index: TextIndex, query: QueryPart[], extra: Map<number, string[]> = new Map()): Map<number, TextMatch> {
  // Each term with the word to quote for it: the word itself rather than a related one.
  const said = new Map<string, { word: string; related: boolean }>();
  const weightOf = new Map<string, number>();
  for (const part of query) {
    for (const { term, word, related } of termsOf(part.text)) {
      const had = said.get(term);
      if (!had || (had.related && !related)) said.set(term, { word, related: related === true });
      weightOf.set(term, Math.max(weightOf.get(term) ?? 0, part.weight));
    }
  }
  const words = [...said.keys()];
  const extraTf = new Map<number, { tf: Map<string, number>; length: number }>();
  for (const [doc, texts] of extra) {
    const tf = new Map<string, number>();
    let length = 0;
    for (const word of wordsOf(texts.join(' '))) {
      tf.set(word, (tf.get(word) ?? 0) + FIELD_WEIGHTS.notes);
      length += FIELD_WEIGHTS.notes;
    }
    extraTf.set(doc, { tf, length });
  }
  const out = new Map<number, TextMatch>();
  const n = Math.max(1, index.size);
  for (const word of words) {
    const base = index.postings.get(word) ?? [];
    const tfByDoc = new Map<number, number>();
    for (const p of base) tfByDoc.set(p.doc, p.tf);
    for (const [doc, e] of extraTf) {
      const f = e.tf.get(word);
      if (f !== undefined) tfByDoc.set(doc, (tfByDoc.get(doc) ?? 0) + f);
    }
    if (tfByDoc.size === 0) continue;
    const idf = Math.log(1 + (n - tfByDoc.size + 0.5) / (tfByDoc.size + 0.5));
    for (const [doc, tf] of tfByDoc) {
      const length = (index.lengths[doc] ?? 0) + (extraTf.get(doc)?.length ?? 0);
      const norm = K1 * (1 - B + (B * length) / index.averageLength);
      const gain = ((weightOf.get(word) ?? 1) * idf * tf * (K1 + 1)) / (tf + norm);
      const m = out.get(doc) ?? { score: 0, matched: [] };
      m.score += gain;
      const quoted = said.get(word)?.word ?? word;
      if (!m.matched.includes(quoted)) m.matched.push(quoted);
      out.set(doc, m);
    }
  }
  return out;
}
