import { describe, expect, it } from 'vitest';
import { autocomplete } from '../../src/insight/autocomplete.js';
import { buildModel, type CatalogEntry, type PastRun } from '../../src/insight/model.js';
import { prefillParameters } from '../../src/insight/prefill.js';
import { suggest } from '../../src/insight/suggest.js';
import { stemOf, wordsOf } from '../../src/insight/words.js';
import { fixtureCatalog, fixtureHistory, NOW } from './cases.js';

const HOUR = 3_600_000;
const catalog = fixtureCatalog();

function runs(workflow: string, statuses: PastRun['status'][], from: number, parameters?: (i: number) => Record<string, unknown>): PastRun[] {
  return statuses.map((status, i) => ({ workflow, status, createdAt: from + i * 10 * HOUR, ...(parameters ? { parameters: parameters(i) } : {}) }));
}

describe('words', () => {
  it('meets plural and verb forms, and drops filler', () => {
    expect(wordsOf('The alerts were alerting')).toEqual(wordsOf('alert alerted'));
    expect(stemOf('delegation')).toBe(stemOf('delegate'));
    expect(wordsOf('to the of and')).toEqual([]);
  });

  it('adds the thesaurus word beside the word itself', () => {
    expect(wordsOf('outage')).toEqual(['outag', 'incident']);
  });
});

describe('suggest', () => {
  const model = buildModel(catalog, [
    ...runs('template:security-alert', ['succeeded', 'succeeded', 'succeeded', 'failed'], NOW - 100 * HOUR),
    ...runs('deploy-web', ['succeeded', 'succeeded', 'succeeded'], NOW - 500 * HOUR),
  ]);

  it('answers best first with the id cairn run takes, a score and reasons', () => {
    const [best, ...rest] = suggest(model, { context: 'security incident detected', intent: 'handle the threat', now: NOW });
    expect(best).toMatchObject({ workflow: 'template:security-alert', name: 'Security alert' });
    expect(best?.reasons).toEqual(expect.arrayContaining(["matches 'threat', 'security'", '4 past runs, 75% succeeded']));
    expect(best?.score).toBeGreaterThan(0);
    expect(best?.score).toBeLessThanOrEqual(1);
    for (const s of rest) expect(s.score).toBeLessThanOrEqual(best?.score ?? 0);
  });

  it('says when a workflow has no history', () => {
    const [best] = suggest(model, { intent: 'lock the ports before starting the service', now: NOW });
    expect(best?.workflow).toBe('template:port-guardian');
    expect(best?.reasons).toContain('no past runs');
  });

  it('is deterministic, and gives nothing for a request with no usable words', () => {
    const request = { context: 'database backup', now: NOW, limit: 10 };
    expect(suggest(model, request)).toEqual(suggest(model, request));
    expect(suggest(model, { context: 'the and of', now: NOW })).toEqual([]);
    expect(suggest(model, { context: 'zzzz qqqq', now: NOW })).toEqual([]);
  });

  it('continues a sequence of commands from the workflows\' steps', () => {
    const [best] = suggest(model, { recent: ['hv-status', 'hv-broadcast'], now: NOW });
    expect(best?.workflow).toBe('template:incident-response');
    expect(best?.reasons).toContain('its steps run hv-status, hv-broadcast, then hv-delegate');
  });

  it('learns from history what usually runs next', () => {
    const history: PastRun[] = [];
    for (let day = 0; day < 6; day++) {
      const at = NOW - (10 - day) * 24 * HOUR;
      history.push({ workflow: 'deploy-web', status: 'succeeded', createdAt: at });
      history.push({ workflow: day === 5 ? 'hello' : 'db-backup', status: 'succeeded', createdAt: at + HOUR });
    }
    const learnt = buildModel(catalog, history);
    const [best] = suggest(learnt, { recent: ['deploy-web'], now: NOW });
    expect(best?.workflow).toBe('db-backup');
    expect(best?.reasons).toContain('usually follows deploy-web (5 of 6 times)');
    // Runs far apart are not a habit.
    const apart = buildModel(catalog, history.map((r, i) => ({ ...r, createdAt: NOW - i * 24 * HOUR })));
    expect(suggest(apart, { recent: ['deploy-web'], now: NOW })).toEqual([]);
  });

  it('reads the notes of past runs', () => {
    const plain = suggest(model, { context: 'vacuum bloat', now: NOW });
    expect(plain).toEqual([]);
    const [best] = suggest(model, { context: 'vacuum bloat', notes: [{ workflow: 'db-backup', text: 'dump was slow: vacuum the bloat first' }], now: NOW });
    expect(best?.workflow).toBe('db-backup');
    expect(best?.reasons).toContain("notes from its past runs mention 'vacuum', 'bloat'");
  });

  it('prefers the workflow that works when the text cannot tell them apart', () => {
    const twins: CatalogEntry[] = [
      { workflow: 'a', name: 'Restart the cache', tags: [], steps: [] },
      { workflow: 'b', name: 'Restart the cache', tags: [], steps: [] },
    ];
    const history = [...runs('a', ['failed', 'failed', 'succeeded'], NOW - 50 * HOUR), ...runs('b', ['succeeded', 'succeeded', 'succeeded'], NOW - 50 * HOUR)];
    expect(suggest(buildModel(twins, history), { intent: 'restart cache', now: NOW }).map((s) => s.workflow)).toEqual(['b', 'a']);
    expect(suggest(buildModel(twins, []), { intent: 'restart cache', now: NOW }).map((s) => s.workflow)).toEqual(['a', 'b']);
  });
});

describe('autocomplete', () => {
  const model = buildModel(catalog, fixtureHistory(catalog));

  it('gives the next commands and the workflows that run the sequence', () => {
    const result = autocomplete(model, ['hv-status', 'hv-broadcast']);
    expect(result.workflows[0]).toMatchObject({ workflow: 'template:incident-response', matched: ['hv-status', 'hv-broadcast'], score: 1, startsWith: true });
    expect(result.workflows[0]?.next.map((n) => n.command)).toEqual(['hv-delegate', 'recall', 'remember']);
    expect(result.next[0]).toMatchObject({ command: 'hv-delegate', workflows: ['template:incident-response'] });
  });

  it('falls back to the longest tail it knows, and ranks by history among equals', () => {
    const result = autocomplete(model, ['ls', 'hv-broadcast']);
    expect(result.workflows.every((w) => w.score === 0.5 && w.matched[0] === 'hv-broadcast')).toBe(true);
    expect(result.next.map((n) => n.command)).toContain('hv-status');
    const weights = result.next.map((n) => n.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(autocomplete(model, ['nothing-like-it'])).toEqual({ next: [], workflows: [] });
    expect(autocomplete(model, [' '])).toEqual({ next: [], workflows: [] });
  });
});

describe('parameter pre-fill', () => {
  it('counts the values of successful runs, beside the default', () => {
    const spec = { severity: { type: 'string' as const, required: false, default: 'high' }, service: { type: 'string' as const, required: true }, dry: { type: 'boolean' as const, required: false } };
    const history = [
      ...runs('w', ['succeeded', 'succeeded', 'succeeded', 'succeeded'], NOW, (i) => ({ severity: i === 0 ? 'low' : 'critical', service: i % 2 === 0 ? 'api' : 'web' })),
      ...runs('w', ['failed', 'failed', 'failed'], NOW, () => ({ severity: 'low', service: 'db' })),
    ];
    const prefill = prefillParameters(spec, history);
    expect(prefill.basedOn).toBe(4);
    expect(prefill.parameters).toEqual([
      { name: 'dry', type: 'boolean', required: false, values: [] },
      { name: 'service', type: 'string', required: true, values: [{ value: 'api', count: 2 }, { value: 'web', count: 2 }], suggested: 'api' },
      { name: 'severity', type: 'string', required: false, default: 'high', values: [{ value: 'critical', count: 3 }, { value: 'low', count: 1 }], suggested: 'critical' },
    ]);
    expect(prefillParameters(spec, []).parameters.find((p) => p.name === 'severity')).toMatchObject({ values: [], suggested: 'high' });
  });

  it('counts objects with keys in any order as one value', () => {
    const spec = { target: { type: 'object' as const, required: false } };
    const history = runs('w', ['succeeded', 'succeeded'], NOW, (i) => ({ target: i === 0 ? { a: 1, b: 2 } : { b: 2, a: 1 } }));
    expect(prefillParameters(spec, history).parameters[0]?.values).toEqual([{ value: { a: 1, b: 2 }, count: 2 }]);
  });
});
