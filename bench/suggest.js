// Suggestion workload (issue 6): the ranker over 1,000 workflows and 100,000 past runs,
// queried with the labelled cases of test/fixtures/suggest/. The model is built once (the
// app rebuilds it only when the store changed); the row times the queries.
import { readFileSync } from 'node:fs';
import { buildModel } from '../dist/insight/model.js';
import { suggest } from '../dist/insight/suggest.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`../test/fixtures/suggest/${name}`, import.meta.url), 'utf8'));

/** A deterministic generator, so every bench run ranks the same catalog. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = (
  'cache queue cluster node pod disk volume backup restore snapshot replica shard index search log metric trace ' +
  'alert dashboard latency throughput cpu memory network dns certificate token key vault secret user account ' +
  'billing invoice report export import etl pipeline batch job cron schedule deploy release rollback canary ' +
  'migration schema table database postgres mysql redis kafka nginx proxy gateway api service worker agent ' +
  'check verify scan clean rotate scale drain cordon restart reload sync update notify review approve document'
).split(' ');
const COMMANDS = ['shell', 'http', 'log', 'notify', 'task', 'approval', 'gate', 'remember', 'recall', 'wait', 'hv-status', 'hv-broadcast', 'hv-delegate', 'hv-sync', 'hv-query'];

export function suggestionWorkload({ workflows = 1000, runs = 100_000, rounds = 20 } = {}) {
  const rand = random(6);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const phrase = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const catalog = fixture('catalog.json').workflows;
  for (let i = catalog.length; i < workflows; i++) {
    catalog.push({
      workflow: `wf-${i}`,
      name: phrase(3),
      description: phrase(14),
      category: pick(WORDS),
      tags: [pick(WORDS), pick(WORDS), pick(WORDS)],
      steps: Array.from({ length: 3 + Math.floor(rand() * 6) }, (_, k) => ({ id: `s${k}`, command: pick(COMMANDS), description: phrase(5) })),
    });
  }
  const now = Date.UTC(2026, 10, 1);
  const history = Array.from({ length: runs }, (_, i) => ({
    workflow: catalog[Math.floor(rand() ** 2 * catalog.length)].workflow,
    status: rand() < 0.9 ? 'succeeded' : 'failed',
    createdAt: now - (runs - i) * 60_000,
  }));

  const t0 = performance.now();
  const model = buildModel(catalog, history);
  const buildMs = performance.now() - t0;

  const cases = fixture('cases.json').cases;
  const request = (c) => ({ ...(c.context ? { context: c.context } : {}), ...(c.intent ? { intent: c.intent } : {}), recent: c.recent ?? [], limit: 10, now });
  let top3 = 0;
  let rr = 0;
  for (const c of cases) {
    const rank = suggest(model, request(c)).findIndex((s) => s.workflow === c.expected) + 1;
    if (rank >= 1 && rank <= 3) top3 += 1;
    if (rank > 0) rr += 1 / rank;
  }
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const q0 = performance.now();
      suggest(model, request(c));
      times.push(performance.now() - q0);
    }
  }
  times.sort((a, b) => a - b);
  return {
    buildMs,
    p50: times[Math.floor(times.length / 2)],
    p95: times[Math.floor(times.length * 0.95)],
    max: times.at(-1),
    queries: times.length,
    cases: cases.length,
    top3: top3 / cases.length,
    mrr: rr / cases.length,
  };
}
