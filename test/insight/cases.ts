import { readFileSync } from 'node:fs';
import { buildModel, type CatalogEntry, type PastRun, type SuggestionModel } from '../../src/insight/model.js';
import { suggest } from '../../src/insight/suggest.js';

/** The suggestion quality set (test/fixtures/suggest/): a catalog and labelled situations. */

export interface SuggestCase {
  context?: string;
  recent?: string[];
  intent?: string;
  expected: string;
  /** Written with the rest, never looked at while tuning. */
  heldOut?: boolean;
}

const dir = new URL('../fixtures/suggest/', import.meta.url);

export function fixtureCatalog(): CatalogEntry[] {
  return (JSON.parse(readFileSync(new URL('catalog.json', dir), 'utf8')) as { workflows: CatalogEntry[] }).workflows;
}

export function fixtureCases(): SuggestCase[] {
  return (JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8')) as { cases: SuggestCase[] }).cases;
}

export const NOW = Date.UTC(2026, 10, 1);

/** A plain history: each workflow ran a few times, most succeeded; no habits between them. */
export function fixtureHistory(catalog: CatalogEntry[]): PastRun[] {
  const runs: PastRun[] = [];
  catalog.forEach((entry, i) => {
    for (let k = 0; k < 3 + (i % 4); k++) {
      runs.push({ workflow: entry.workflow, status: k % 5 === 4 ? 'failed' : 'succeeded', createdAt: NOW - (i * 7 + k) * 9 * 3_600_000 });
    }
  });
  return runs;
}

export interface Quality {
  cases: number;
  top1: number;
  top3: number;
  mrr: number;
  misses: Array<{ case: SuggestCase; got: string[] }>;
}

export function measure(model: SuggestionModel, cases: SuggestCase[]): Quality {
  let top1 = 0;
  let top3 = 0;
  let rr = 0;
  const misses: Quality['misses'] = [];
  for (const c of cases) {
    const got = suggest(model, { ...(c.context ? { context: c.context } : {}), ...(c.intent ? { intent: c.intent } : {}), recent: c.recent ?? [], limit: 10, now: NOW }).map((s) => s.workflow);
    const rank = got.indexOf(c.expected) + 1;
    if (rank === 1) top1 += 1;
    if (rank >= 1 && rank <= 3) top3 += 1;
    else misses.push({ case: c, got: got.slice(0, 3) });
    if (rank > 0) rr += 1 / rank;
  }
  const n = Math.max(1, cases.length);
  return { cases: cases.length, top1: top1 / n, top3: top3 / n, mrr: rr / n, misses };
}

export function fixtureModel(): SuggestionModel {
  const catalog = fixtureCatalog();
  return buildModel(catalog, fixtureHistory(catalog));
}
