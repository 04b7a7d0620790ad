import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Breakers } from '../../src/actions/breakers.js';
import { Metrics, METRIC_NAMES } from '../../src/observability/index.js';
import { Bulkheads } from '../../src/runtime/bulkheads.js';
import { familyNames, parseSamples } from './prometheus.js';

/*
 * docs/grafana/cairn.json charts exactly the metrics Cairn registers: every name its
 * PromQL reads is in a real scrape, and every Cairn metric has a panel.
 */

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/cairn.json', import.meta.url), 'utf8')) as {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: { query: string }; datasource: { uid: string } }> };
  title: string;
  uid: string;
};

const queries = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.query.query)];

/** Metric names a PromQL expression reads (Cairn's and the default process metrics). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:cairn|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1] as string);
}

async function scrapeNames(): Promise<Set<string>> {
  const breakers = new Breakers();
  const bulkheads = new Bulkheads({ shell: 1 });
  const metrics = new Metrics({ countRuns: async () => ({}), openTasks: async () => [], breakers: () => breakers.list(), bulkheads: () => bulkheads.list() });
  const { body } = await metrics.render();
  // A histogram with no observation yet has no sample lines: its series names come from its type.
  const histograms = [...body.matchAll(/^# TYPE (\S+) histogram$/gm)].flatMap((m) => ['bucket', 'sum', 'count'].map((part) => `${m[1]}_${part}`));
  return new Set([...familyNames(body), ...histograms, ...parseSamples(body).map((s) => s.name)]);
}

describe('docs/grafana/cairn.json', () => {
  it('is an importable dashboard on the ${DS_PROMETHEUS} data source', () => {
    expect(dashboard.title).toBe('Cairn');
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos, panel.title).toBeDefined();
      if (panel.type === 'row') continue;
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource.uid).toBe('${DS_PROMETHEUS}');
        expect(target.refId).toMatch(/^[A-Z]$/);
        expect(metricsIn(target.expr).length, target.expr).toBeGreaterThan(0);
      }
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource.uid).toBe('${DS_PROMETHEUS}');
  });

  it('reads only metrics that a scrape of the registry has', async () => {
    const names = await scrapeNames();
    const read = new Set(queries.flatMap(metricsIn));
    expect(read.size).toBeGreaterThan(10);
    for (const name of read) expect(names, name).toContain(name);
  });

  it('has a panel for every metric Cairn registers', () => {
    const read = new Set(queries.flatMap(metricsIn).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    for (const name of Object.values(METRIC_NAMES)) expect(read, name).toContain(name);
  });
});
