import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autocompleteSequence, prefillFor, suggestWorkflows, type Cairn } from '../../src/app/index.js';
import { Workspace } from '../app/workspace.js';
import { startServer, type TestServer } from '../server/harness.js';

/** Suggestions, autocomplete and pre-fill over a real store, with real runs and notes. */

const RESTORE = `id: restore-drill
name: Restore drill
description: Restore last night's dump into a scratch database and check it.
category: database
tags: [database, restore]
parameters:
  database: { type: string, default: orders }
  region: { type: string, default: eu }
steps:
  - id: restore
    command: log
    parameters: { message: "restoring \${{ parameters.database }}" }
  - id: learn
    command: remember
    depends_on: [restore]
    parameters: { text: "the restore of \${{ parameters.database }} needed a vacuum of bloated tables first" }
`;

describe('suggestions over a real store', () => {
  const ws = new Workspace();
  let cairn: Cairn;

  beforeAll(async () => {
    cairn = await ws.open();
    await cairn.catalog.create({ text: RESTORE });
    for (const database of ['orders', 'orders', 'billing']) {
      const { run } = await cairn.startWorkflow({ workflowId: 'restore-drill', parameters: { database } });
      expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    }
  });
  afterAll(() => ws.close());

  it('ranks the built-in templates (as template:NAME) and stored workflows together, with reasons', async () => {
    const [best] = await suggestWorkflows(cairn, { context: 'production outage, customers see errors', intent: 'respond to the incident' });
    expect(best).toMatchObject({ workflow: 'template:incident-response', reasons: expect.arrayContaining([expect.stringMatching(/^matches .*'outage'/), 'no past runs']) });
    const [stored] = await suggestWorkflows(cairn, { intent: 'restore the database' });
    expect(stored).toMatchObject({ workflow: 'restore-drill', reasons: expect.arrayContaining(['3 past runs, 100% succeeded']) });
  });

  it('counts a run of template:NAME for the template, not as another stored workflow', async () => {
    const run = await cairn.startRun({ file: 'template:knowledge-sharing', parameters: { topic: 'flaky dns', discovery: 'raise the resolver timeout' } });
    const final = await cairn.waitFor(run.id);
    const found = await suggestWorkflows(cairn, { intent: 'share a discovery with the team', limit: 10 });
    expect(found.filter((s) => s.workflow.endsWith('knowledge-sharing')).map((s) => s.workflow)).toEqual(['template:knowledge-sharing']);
    expect(found[0]?.reasons).toContain(`1 past run, ${final?.status === 'succeeded' ? 100 : 0}% succeeded`);
  });

  it('finds a workflow by what the notes of its past runs say', async () => {
    const [best] = await suggestWorkflows(cairn, { context: 'tables are bloated, vacuum them' });
    expect(best?.workflow).toBe('restore-drill');
    expect(best?.reasons.some((r) => r.startsWith('notes from its past runs mention'))).toBe(true);
  });

  it('follows the store: a workflow stored later is suggested at once', async () => {
    expect((await suggestWorkflows(cairn, { intent: 'rotate kafka partitions' })).map((s) => s.workflow)).not.toContain('kafka-rebalance');
    await cairn.catalog.create({ text: 'id: kafka-rebalance\nname: Rebalance kafka partitions\nsteps:\n  - { id: go, command: log, parameters: { message: go } }\n' });
    expect((await suggestWorkflows(cairn, { intent: 'rotate kafka partitions' }))[0]?.workflow).toBe('kafka-rebalance');
  });

  it('completes a command sequence from the stored workflows', async () => {
    const result = await autocompleteSequence(cairn, ['log']);
    expect(result.workflows.map((w) => w.workflow)).toContain('restore-drill');
    expect(result.next.map((n) => n.command)).toContain('remember');
  });

  it('pre-fills parameters from successful runs, and knows the templates', async () => {
    const prefill = await prefillFor(cairn, 'restore-drill');
    expect(prefill).toMatchObject({ workflow: 'restore-drill', basedOn: 3 });
    expect(prefill.parameters).toEqual([
      { name: 'database', type: 'string', required: false, default: 'orders', values: [{ value: 'orders', count: 2 }, { value: 'billing', count: 1 }], suggested: 'orders' },
      { name: 'region', type: 'string', required: false, default: 'eu', values: [{ value: 'eu', count: 3 }], suggested: 'eu' },
    ]);
    const template = await prefillFor(cairn, 'template:incident-response');
    expect(template.basedOn).toBe(0);
    expect(template.parameters.find((p) => p.name === 'severity')).toMatchObject({ default: 'high', values: [], suggested: 'high' });
    await expect(prefillFor(cairn, 'no-such-workflow')).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });
});

describe('REST: POST /workflows/suggest and GET /workflows/templates/{id}/prefill', () => {
  let t: TestServer;
  let key: string;

  beforeAll(async () => {
    t = await startServer({ files: { 'restore.yaml': RESTORE } });
    key = await t.key('viewer');
  });
  afterAll(() => t.close());

  it('answers {suggestions: [{workflow, score, reasons}]}, best first', async () => {
    const res = await t.call('POST', '/api/v1/workflows/suggest', { key, body: { context: 'security incident detected', intent: 'handle the threat', recent_commands: 'hv-status,hv-broadcast' } });
    expect(res.status).toBe(200);
    expect(res.body.suggestions[0]).toMatchObject({ workflow: 'template:security-alert', score: expect.any(Number), reasons: expect.any(Array) });
    const scores = res.body.suggestions.map((s: { score: number }) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const list = await t.call('POST', '/api/v1/workflows/suggest', { key, body: { recent_commands: ['restore-drill'], intent: 'restore', limit: 1 } });
    expect(list.body.suggestions).toHaveLength(1);
  });

  it('refuses an empty request, saying what to give', async () => {
    const res = await t.call('POST', '/api/v1/workflows/suggest', { key, body: { recent_commands: ' , ' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('give a context, an intent or recent_commands');
  });

  it('pre-fills a stored workflow and a template; 404 for an unknown one', async () => {
    const stored = await t.call('GET', '/api/v1/workflows/templates/restore-drill/prefill', { key });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ workflow: 'restore-drill', basedOn: 0, parameters: [{ name: 'database', default: 'orders', suggested: 'orders' }, { name: 'region' }] });
    const template = await t.call('GET', `/api/v1/workflows/templates/${encodeURIComponent('template:port-guardian')}/prefill`, { key });
    expect(template.status).toBe(200);
    expect(template.body.workflow).toBe('template:port-guardian');
    expect((await t.call('GET', '/api/v1/workflows/templates/nope/prefill', { key })).status).toBe(404);
  });
});
