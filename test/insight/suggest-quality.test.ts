import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/app/suggestion-sources.js';
import { buildModel } from '../../src/insight/model.js';
import { openStore } from '../../src/store/open.js';
import { fixtureCases, fixtureCatalog, fixtureHistory, measure } from './cases.js';

/*
 * Suggestion quality on test/fixtures/suggest/cases.json (see its "about" and
 * BENCHMARKS.md). The weights were tuned on the cases without `heldOut`; the held-out ones
 * were written at the same time and only measured, never used to tune.
 */

const cases = fixtureCases();
const training = cases.filter((c) => !c.heldOut);
const heldOut = cases.filter((c) => c.heldOut);

function report(label: string, q: ReturnType<typeof measure>): void {
  console.log(`${label}: ${q.cases} cases, top-1 ${q.top1.toFixed(3)}, top-3 ${q.top3.toFixed(3)}, MRR ${q.mrr.toFixed(3)}`);
  for (const m of q.misses) console.log(`  missed ${JSON.stringify(m.case)} -> ${m.got.join(', ')}`);
}

describe('suggestion quality', () => {
  it('has at least 40 cases, some held out, each naming a workflow of the catalog', () => {
    const known = new Set(fixtureCatalog().map((e) => e.workflow));
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(heldOut.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) expect(known, JSON.stringify(c)).toContain(c.expected);
  });

  it('puts the expected workflow in the top 3 for >= 90% of the cases (fixture catalog)', () => {
    const catalog = fixtureCatalog();
    const model = buildModel(catalog, fixtureHistory(catalog));
    const all = measure(model, cases);
    report('training', measure(model, training));
    report('held out', measure(model, heldOut));
    report('all', all);
    expect(all.top3).toBeGreaterThanOrEqual(0.9);
    expect(measure(model, heldOut).top3).toBeGreaterThanOrEqual(0.9);
  });

  it('does as well with the shipped templates/*.yaml in place of their fixture entries', async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'cairn-suggest-')), 'cairn.db'));
    try {
      const shipped = (await loadSources(store)).entries;
      const names = new Set(shipped.map((e) => e.workflow));
      const catalog = [...shipped, ...fixtureCatalog().filter((e) => !names.has(e.workflow))];
      const q = measure(buildModel(catalog, fixtureHistory(catalog)), cases);
      report(`shipped templates (${names.size})`, q);
      expect(q.top3).toBeGreaterThanOrEqual(0.9);
    } finally {
      await store.close();
    }
  });
});
