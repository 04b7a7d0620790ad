import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError, type Cairn, type Run } from '../../src/app/index.js';
import { storedWorkflows, Triggers, type TriggersDeps } from '../../src/app/triggers.js';
import type { CronFire } from '../../src/triggers/scheduler.js';
import { newWebhookSecret } from '../../src/webhooks/signature.js';
import { Workspace } from '../app/workspace.js';
import { until } from './harness.js';

const TICK = `
name: tick
parameters:
  mode: { type: string, default: manual }
triggers:
  - cron: "* * * * * *"
    parameters: { mode: scheduled }
steps:
  - id: hello
    command: log
    parameters: { message: "tick \${{ parameters.mode }}" }
`;

const DEPLOY = `
name: deploy
parameters:
  service: { type: string }
triggers:
  - webhook:
      secret: \${env:DEPLOY_HOOK_SECRET}
    parameters:
      service: "\${{ body.repository.name }}"
steps:
  - id: hello
    command: log
    parameters: { message: "deploy \${{ parameters.service }}" }
`;

const workspaces: Workspace[] = [];
const running: Triggers[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
  for (const w of workspaces.splice(0)) await w.close();
});

function workspace(): Workspace {
  const w = new Workspace();
  workspaces.push(w);
  return w;
}

interface Log {
  fires: Array<{ fire: CronFire; run: Run; duplicate: boolean }>;
  errors: unknown[];
}

function triggersFor(cairn: Cairn, log: Log, over: Partial<TriggersDeps> = {}): Triggers {
  const triggers = new Triggers({
    ...storedWorkflows(cairn.store),
    start: (req) => cairn.startWorkflow(req),
    cursors: cairn.store,
    env: {},
    reloadEveryMs: 0,
    onFire: (fire, result) => log.fires.push({ fire, ...(result as { run: Run; duplicate: boolean }) }),
    onError: (err) => log.errors.push(err),
    ...over,
  });
  running.push(triggers);
  return triggers;
}

describe('Triggers over a Cairn', () => {
  it('a per-second cron starts exactly one run per fire time, across a restart on the same store', async () => {
    const ws = workspace();
    const first = await ws.open();
    await first.catalog.create({ text: TICK });

    const before: Log = { fires: [], errors: [] };
    const one = triggersFor(first, before);
    await one.start();
    await until(() => before.fires.length >= 3, 'three fires');
    await one.stop();
    await first.idle();
    const lastFire = Math.max(...before.fires.map((f) => f.fire.fireMs));
    await first.close();

    // Down for at least two fire times, then a new process on the same file.
    await until(() => Date.now() >= lastFire + 2500, 'fire times missed while stopped');
    const second = await ws.open();
    const after: Log = { fires: [], errors: [] };
    const two = triggersFor(second, after);
    await two.start();
    await until(() => after.fires.length >= 3, 'three fires after the restart');
    await two.stop();
    await second.idle();

    expect([...before.errors, ...after.errors]).toEqual([]);
    const all = [...before.fires, ...after.fires];
    // Missed fires made one catch-up fire, for the latest of them, at start.
    const catchUps = after.fires.filter((f) => f.fire.catchUp);
    expect(catchUps).toHaveLength(1);
    expect(catchUps[0]!.fire.fireMs).toBeGreaterThan(lastFire + 1000);
    expect(after.fires[0]!.fire.catchUp).toBe(true);
    // Every fire time has exactly one run, and every run comes from one fire.
    const keys = all.map((f) => f.fire.startKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(all.every((f) => !f.duplicate)).toBe(true);
    const runs = await second.store.listRuns({ workflowId: 'tick', limit: 1000 });
    expect(runs).toHaveLength(keys.length);
    expect(new Set(all.map((f) => f.run.id))).toEqual(new Set(runs.map((r) => r.id)));
    for (const f of all) expect((await second.store.findRunByStartKey(f.fire.startKey))?.id).toBe(f.run.id);
    for (const run of runs) expect(run).toMatchObject({ startedBy: 'cron', parameters: { mode: 'scheduled' } });
    await until(async () => (await second.store.listRuns({ workflowId: 'tick', limit: 1000 })).every((r) => r.status === 'succeeded'), 'every run succeeded');
  });

  it('a run cron starts is in the audit trail once, as cron:<workflow>, when two schedulers fire it', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    await cairn.catalog.create({ text: TICK });
    // Two schedulers on one store, as two nodes: each fire is started twice, created once.
    const fires: Array<{ run: Run; duplicate: boolean }> = [];
    const both = [0, 1].map(() => cairn.triggers({ reloadEveryMs: 0, onFire: (_fire, result) => fires.push(result as { run: Run; duplicate: boolean }) }));
    running.push(...both);
    for (const t of both) await t.start();
    await until(() => fires.filter((f) => f.duplicate).length >= 2, 'two fires started twice');
    for (const t of both) await t.stop();
    await cairn.idle();
    const created = fires.filter((f) => !f.duplicate).map((f) => f.run.id);
    const entries = (await cairn.audit.list()).filter((e) => e.action === 'run.start');
    expect(entries.map((e) => e.target).sort()).toEqual(created.sort());
    for (const e of entries) expect(e).toMatchObject({ actor: 'cron:tick', details: { workflow: 'tick' } });
    expect(entries[0]!.origin).toMatch(/^cron /);
  });

  it('starting a fire again (another process, a retry) returns the first run', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    await cairn.catalog.create({ text: TICK });
    const a = await cairn.startWorkflow({ workflowId: 'tick', parameters: {}, startKey: 'cron:tick:0:1767236400000', startedBy: 'cron' });
    const b = await cairn.startWorkflow({ workflowId: 'tick', parameters: {}, startKey: 'cron:tick:0:1767236400000', startedBy: 'cron' });
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ duplicate: true, run: { id: a.run.id } });
  });

  it('reload picks up a workflow stored after start', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    const log: Log = { fires: [], errors: [] };
    const triggers = triggersFor(cairn, log);
    await triggers.start();
    expect(triggers.scheduled()).toEqual([]);
    await cairn.catalog.create({ text: TICK });
    await triggers.reload();
    expect(triggers.scheduled()).toMatchObject([{ workflowId: 'tick', triggerIndex: 0, cron: '* * * * * *', timezone: 'UTC' }]);
    await until(() => log.fires.length >= 1, 'a fire');
  });

  it('reloads by itself every reloadEveryMs', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    const triggers = triggersFor(cairn, { fires: [], errors: [] }, { reloadEveryMs: 100 });
    await triggers.start();
    await cairn.catalog.create({ text: TICK });
    await until(() => triggers.scheduled().length === 1, 'the new workflow scheduled');
  });

  it('a signed webhook starts one run per message, with parameters from the body', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    await cairn.catalog.create({ text: DEPLOY });
    const secret = newWebhookSecret();
    const triggers = triggersFor(cairn, { fires: [], errors: [] }, { env: { DEPLOY_HOOK_SECRET: secret } });
    await triggers.start();

    const body = JSON.stringify({ repository: { name: 'api' } });
    const at = new Date();
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new StandardWebhook(secret).sign('msg_1', at, body) };
    const first = await triggers.hook('deploy', headers, body);
    expect(first.duplicate).toBe(false);
    expect(first.run).toMatchObject({ workflowId: 'deploy', startedBy: 'webhook', parameters: { service: 'api' } });
    // The sender retries the same message: nothing new starts.
    const again = await triggers.hook('deploy', headers, body);
    expect(again).toMatchObject({ duplicate: true, run: { id: first.run.id } });
    expect(await cairn.store.listRuns({ workflowId: 'deploy' })).toHaveLength(1);
    expect((await cairn.waitFor(first.run.id))?.status).toBe('succeeded');
  });

  it('says at start, once, when a webhook secret is not set', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    await cairn.catalog.create({ text: DEPLOY });
    const log: Log = { fires: [], errors: [] };
    const triggers = triggersFor(cairn, log);
    await triggers.start();
    await triggers.reload();
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ code: 'CONFIG_INVALID', message: "the webhook trigger 0 of workflow 'deploy' cannot check signatures: the environment variable DEPLOY_HOOK_SECRET is not set" });
  });

  it('refuses webhooks with CairnErrors the server can map', async () => {
    const ws = workspace();
    const cairn = await ws.open();
    await cairn.catalog.create({ text: DEPLOY });
    await cairn.catalog.create({ text: TICK });
    const secret = newWebhookSecret();
    const triggers = triggersFor(cairn, { fires: [], errors: [] }, { env: { DEPLOY_HOOK_SECRET: secret } });
    const code = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        expect(err).toBeInstanceOf(CairnError);
        return (err as CairnError).code;
      }
      return 'accepted';
    };
    const body = '{"repository":{"name":"api"}}';
    const at = new Date();
    const sign = (key: string, b = body) => ({ 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new StandardWebhook(key).sign('msg_2', at, b) });
    expect(await code(triggers.hook('deploy', sign(newWebhookSecret()), body))).toBe('SIGNATURE_INVALID');
    // No such workflow, and a workflow without a webhook trigger, look the same from outside.
    expect(await code(triggers.hook('nope', sign(secret), body))).toBe('TRIGGER_NOT_FOUND');
    expect(await code(triggers.hook('tick', sign(secret), body))).toBe('TRIGGER_NOT_FOUND');
    expect(await code(triggers.hook('deploy', sign(secret, '{"repository":{}}'), '{"repository":{}}'))).toBe('PARAMETER_INVALID');
    expect(await code(triggers.hook('deploy', sign(secret, 'not json'), 'not json'))).toBe('USAGE');
    expect(await cairn.store.listRuns({ workflowId: 'deploy' })).toHaveLength(0);
  });
});
