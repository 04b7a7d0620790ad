import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cairn } from '../../src/app/index.js';
import { listTemplates, templatePath } from '../../src/app/templates.js';
import { Workspace } from '../app/workspace.js';
import { drive, type OpenTaskLog } from './drive.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

async function open(): Promise<Cairn> {
  ws = new Workspace();
  return ws.open();
}

async function start(cairn: Cairn, name: string, parameters: Record<string, unknown> = {}) {
  return cairn.startRun({ file: `template:${name}`, parameters, startedBy: 'starter' });
}

async function stepOf(cairn: Cairn, runId: string, key: string) {
  return (await cairn.getRun(runId)).steps.find((s) => s.key === key);
}

describe('the built-in templates', () => {
  it('are found next to the package and described', () => {
    const names = listTemplates().map((t) => t.name);
    expect(names).toEqual(['compliance-gates', 'config-update', 'dev-cycle', 'incident-response', 'knowledge-sharing', 'maintenance-window', 'port-guardian', 'security-alert', 'task-delegation']);
    for (const t of listTemplates()) {
      expect(t.workflow).toBe(`template:${t.name}`);
      expect(t.description?.length).toBeGreaterThan(40);
      expect(t.category).toBeTruthy();
      expect(t.tags.length).toBeGreaterThan(3);
      // Every parameter has a default, so a fresh install runs each with none given.
      for (const [name, p] of Object.entries(t.parameters)) expect(p.required, `${t.name}.${name}`).toBe(false);
    }
  });

  it('each passes strict validation with no warning', async () => {
    const cairn = await open();
    for (const t of listTemplates()) {
      const report = await cairn.validate(t.workflow, 'strict');
      expect(report.diagnostics, t.name).toEqual([]);
      expect(report.valid).toBe(true);
      expect(report.workflow?.id).toBe(t.name);
    }
  });

  it('an unknown template is refused with the names there are', async () => {
    const cairn = await open();
    await expect(start(cairn, 'incident-respons')).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND', message: expect.stringMatching(/no built-in template 'incident-respons'; the templates are: .*incident-response/) });
    expect(() => templatePath('template:../package')).toThrow(/no built-in template/);
  });
});

describe('incident-response', () => {
  it('checks, broadcasts, delegates, and documents a resolution the next incident finds', async () => {
    const cairn = await open();
    const first = await start(cairn, 'incident-response');
    const tasks: OpenTaskLog = [];
    const done = await drive(cairn, first.id, { delegate: { output: { resolution: 'restarted the connection pool', root_cause: 'pool leak' }, by: 'alice' } }, tasks);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toMatchObject({ resolution: 'restarted the connection pool', resolved_by: 'alice', past_resolutions: 0 });
    expect(tasks[0]).toMatchObject({ step: 'delegate', assignee: 'on-call', instructions: expect.stringContaining('Memory has no past resolution') });
    expect((await stepOf(cairn, first.id, 'health'))?.status).toBe('skipped');
    expect((await cairn.recall('connection pool', { category: 'incident' }))[0]?.text).toMatch(/^web outage: Service degraded\. Resolution: restarted the connection pool Root cause: pool leak/);

    // The second incident of its kind starts from what the first one learnt, and asks a real health endpoint.
    const server = await listen(createHttpServer((_req, res) => res.writeHead(503).end('down')));
    try {
      const url = `http://127.0.0.1:${port(server)}/health`;
      const again = await start(cairn, 'incident-response', { severity: 'critical', health_url: url, responder: 'bob' });
      const seen: OpenTaskLog = [];
      expect((await drive(cairn, again.id, { delegate: { output: { resolution: 'same again' } } }, seen)).status).toBe('succeeded');
      expect(seen[0]).toMatchObject({ assignee: 'bob', instructions: expect.stringContaining('Past resolutions: web outage') });
      expect((await stepOf(cairn, again.id, 'health'))?.outputs).toMatchObject({ status: 503, healthy: false });
      const logs = (await cairn.logs(again.id, { step: 'broadcast' })).map((l) => l.line).join('\n');
      expect(logs).toMatch(/critical.*Incident: web \(critical\).*health check FAILING/);
    } finally {
      server.close();
    }
  });
});

describe('security-alert', () => {
  it('documents the alert, knows when it was seen before, and records the verdict', async () => {
    const cairn = await open();
    const alert = 'Repeated failed SSH logins from 203.0.113.7';
    const first = await start(cairn, 'security-alert', { alert, severity: 'critical' });
    const done = await drive(cairn, first.id, { analysis: { output: { verdict: 'true_positive', actions: 'blocked the address' }, by: 'sec-eve' } });
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toMatchObject({ verdict: 'true_positive', analysed_by: 'sec-eve', seen_before: 0 });
    const second = await start(cairn, 'security-alert', { alert });
    expect((await drive(cairn, second.id, { analysis: { output: { verdict: 'false_positive' } } })).outputs).toMatchObject({ seen_before: 1, verdict: 'false_positive' });
    const verdicts = await cairn.recall('verdict', { category: 'security' });
    expect(verdicts.map((n) => n.text).join('\n')).toMatch(/true_positive\. Actions: blocked the address/);
  });
});

describe('knowledge-sharing', () => {
  it('records a new discovery once, broadcasts it and verifies it is findable', async () => {
    const cairn = await open();
    const discovery = 'VACUUM FULL locks the table: use pg_repack on busy tables';
    const first = await drive(cairn, (await start(cairn, 'knowledge-sharing', { topic: 'postgres', discovery, source: 'INC-42' })).id, {});
    expect(first.status).toBe('succeeded');
    expect(first.outputs).toMatchObject({ new: true, related: 0 });
    const again = await drive(cairn, (await start(cairn, 'knowledge-sharing', { topic: 'postgres', discovery })).id, {});
    expect(again.status).toBe('succeeded');
    expect(again.outputs).toMatchObject({ new: false, note_id: null, related: 1 });
    expect(await cairn.recall('pg_repack', { category: 'postgres' })).toHaveLength(1);
  });

  it('runs with no parameters', async () => {
    const cairn = await open();
    expect((await drive(cairn, (await start(cairn, 'knowledge-sharing')).id, {})).status).toBe('succeeded');
  });
});

describe('config-update', () => {
  it('changes one line of a demo file after approval, and verifies it', async () => {
    const cairn = await open();
    const run = await start(cairn, 'config-update');
    const done = await drive(cairn, run.id, { review: { approve: true, by: 'lead' } });
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toMatchObject({ previous: 'warn', value: 'info' });
    expect(readFileSync(done.outputs?.['config_file'] as string, 'utf8')).toBe('workers=4\nlog_level=info\n');
  });

  it('keeps a hostile value as data, and a rejected change leaves the file as it was', async () => {
    const cairn = await open();
    const file = ws.file('app.conf', 'mode=slow\nworkers=2\n');
    const hostile = '$(touch pwned); `touch pwned2`';
    const ok = await drive(cairn, (await start(cairn, 'config-update', { config_file: file, key: 'mode', value: hostile })).id, { review: { approve: true } });
    expect(ok.status).toBe('succeeded');
    expect(readFileSync(file, 'utf8')).toBe(`workers=2\nmode=${hostile}\n`);
    expect(existsSync(join(ws.dir, 'pwned')) || existsSync(join(ws.dir, 'pwned2'))).toBe(false);

    const before = readFileSync(file, 'utf8');
    const rejected = await drive(cairn, (await start(cairn, 'config-update', { config_file: file, key: 'workers', value: '64', approvers: ['lead'] })).id, { review: { approve: false, by: 'lead' } });
    expect(rejected.status).toBe('rolled_back');
    expect(readFileSync(file, 'utf8')).toBe(before);
    const bad = await drive(cairn, (await start(cairn, 'config-update', { config_file: file, key: 'a b' })).id, {});
    expect(bad.status).toBe('rolled_back');
    expect((await cairn.logs(bad.id, { step: 'sync' })).map((l) => l.line).join('\n')).toMatch(/key 'a b' must be letters/);
  });
});

describe('maintenance-window', () => {
  it('snapshots, documents, waits for the go-ahead, and broadcasts start and completion', async () => {
    const cairn = await open();
    const run = await start(cairn, 'maintenance-window', { service: 'postgres-primary', window_minutes: 90 });
    const done = await drive(cairn, run.id, { go: { approve: true, by: 'lead' }, work: { output: { outcome: 'done', notes: 'upgraded to 16.4' }, by: 'dba' } });
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toMatchObject({ outcome: 'done', done_by: 'dba' });
    expect(readFileSync(done.outputs?.['snapshot'] as string, 'utf8')).toMatch(/^service=postgres-primary\nreason=routine maintenance\n/);
    const logs = (await cairn.logs(run.id)).map((l) => l.line).join('\n');
    expect(logs).toMatch(/Maintenance started: postgres-primary[\s\S]*Maintenance complete: postgres-primary/);
  });

  it('a failed maintenance is called off and rolled back', async () => {
    const cairn = await open();
    const run = await start(cairn, 'maintenance-window');
    const done = await drive(cairn, run.id, { go: { approve: true }, work: { output: { outcome: 'failed' } } });
    expect(done.status).toBe('rolled_back');
    expect((await cairn.compensations(run.id)).map((c) => c.step)).toEqual(['announce', 'document', 'sync']);
    expect((await cairn.logs(run.id)).map((l) => l.line).join('\n')).toMatch(/Maintenance called off: database/);
    expect(existsSync((await stepOf(cairn, run.id, 'sync'))?.outputs?.['work_dir'] as string)).toBe(false);
  });
});

describe('task-delegation', () => {
  it('finds who did a similar task before and hands the next one to them', async () => {
    const cairn = await open();
    const first: OpenTaskLog = [];
    const one = await drive(cairn, (await start(cairn, 'task-delegation')).id, { delegate: { output: { status: 'done', notes: 'renewed until 2027' }, by: 'alice' } }, first);
    expect(one.status).toBe('succeeded');
    expect(first[0]?.assignee).toBe('ops');
    const second: OpenTaskLog = [];
    const two = await drive(cairn, (await start(cairn, 'task-delegation', { priority: 'high' })).id, { delegate: { output: { status: 'blocked' }, by: 'alice' } }, second);
    expect(second[0]?.assignee).toBe('alice');
    // Blocked: the status check holds, and the task's note is withdrawn.
    expect(two.status).toBe('rolled_back');
    expect((await stepOf(cairn, two.id, 'check_status'))?.error?.code).toBe('GATE_FAILED');
  });
});

describe('dev-cycle', () => {
  it('goes through the four phases with an approved plan and adds a changelog line', async () => {
    const cairn = await open();
    const project = join(ws.dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'project_config.md'), '# My project\n\n## Changelog\n- Older entry\n');
    const tasks: OpenTaskLog = [];
    const run = await start(cairn, 'dev-cycle', { project_dir: project, item: 'Add retries' });
    const done = await drive(
      cairn,
      run.id,
      {
        analyze: { output: { summary: 'the client gives up on the first error' } },
        plan: { output: { plan: '1. wrap calls in a retry policy' } },
        'BLUEPRINT-approval': { approve: true, by: 'lead' },
        construct: { output: { summary: 'Added retries with backoff to the HTTP client.', tests_passed: true } },
      },
      tasks,
    );
    expect(done.status).toBe('succeeded');
    expect(tasks.map((t) => t.step)).toEqual(['analyze', 'plan', 'BLUEPRINT-approval', 'construct']);
    expect(tasks[1]?.instructions).toContain('Requirements: the client gives up on the first error');
    expect(done.outputs).toMatchObject({ plan_approved_by: ['lead'], changelog_entry: '- Added retries with backoff to the HTTP client.' });
    expect(readFileSync(join(project, 'project_config.md'), 'utf8')).toBe('# My project\n\n## Changelog\n- Added retries with backoff to the HTTP client.\n- Older entry\n');
    // Undoing the finished run takes the line out again and leaves the given project alone.
    expect((await cairn.rollback(run.id)).run.status).toBe('rolled_back');
    expect(readFileSync(join(project, 'project_config.md'), 'utf8')).toBe('# My project\n\n## Changelog\n- Older entry\n');
  });

  it('runs on a demo project with no parameters, and a failing gate undoes nothing it did not do', async () => {
    const cairn = await open();
    const answers = {
      analyze: { output: { summary: 's' } },
      plan: { output: { plan: 'p' } },
      'BLUEPRINT-approval': { approve: true },
      construct: { output: { summary: 'Did it.', tests_passed: true } },
    };
    const ok = await drive(cairn, (await start(cairn, 'dev-cycle')).id, answers);
    expect(ok.status).toBe('succeeded');
    expect(readFileSync(join(ok.outputs?.['project_dir'] as string, 'project_config.md'), 'utf8')).toMatch(/## Changelog\n- Did it\.\n$/);

    const failing = await drive(cairn, (await start(cairn, 'dev-cycle', { test_command: ['false'] })).id, { ...answers, construct: { output: { summary: 'x', tests_passed: false } } });
    expect(failing.status).toBe('rolled_back');
    const gate = await stepOf(cairn, failing.id, 'validate');
    expect(gate?.error?.message).toMatch(/builder reports tests passing[\s\S]*test suite passes: false exited with code 1/);
    expect((await stepOf(cairn, failing.id, 'changelog'))?.status).toBe('skipped');
  });
});

describe('compliance-gates', () => {
  it('passes a clean demo project and reports', async () => {
    const cairn = await open();
    const done = await drive(cairn, (await start(cairn, 'compliance-gates')).id, {});
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toMatchObject({ passed: true });
    expect((await cairn.logs(done.id, { step: 'report' })).map((l) => l.line).join('\n')).toMatch(/Compliance report: PASSED/);
  });

  it('holds a project with low coverage and a secret, and still reports', async () => {
    const cairn = await open();
    const project = join(ws.dir, 'leaky');
    mkdirSync(join(project, 'coverage'), { recursive: true });
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'coverage', 'coverage-summary.json'), JSON.stringify({ total: { lines: { total: 100, covered: 70, skipped: 0, pct: 70 } } }));
    writeFileSync(join(project, 'src', 'aws.js'), `export const key = '${'AKIA'}ABCDEFGHIJKLMNOP';\n`);
    writeFileSync(join(project, 'coverage', 'ignored.js'), `'${'AKIA'}ABCDEFGHIJKLMNOP'\n`);
    const done = await drive(cairn, (await start(cairn, 'compliance-gates', { project_dir: project, min_coverage: 85 })).id, {});
    expect(done.status).toBe('failed');
    expect((await stepOf(cairn, done.id, 'coverage'))?.error?.message).toMatch(/lines 70% < 85%/);
    const secrets = (await stepOf(cairn, done.id, 'secrets'))?.error?.message ?? '';
    expect(secrets).toMatch(/1 denylist hit in 1 file: .*aws\.js:1 \(AWS access key: AKIA…\)/);
    expect(secrets).not.toContain('ignored.js');
    expect((await stepOf(cairn, done.id, 'report'))?.status).toBe('succeeded');
    expect((await cairn.logs(done.id, { step: 'report' })).map((l) => l.line).join('\n')).toMatch(/Compliance report: FAILED/);
  });
});

describe('port-guardian', () => {
  it('starts the service only on a free port 8113, and leaves it free', async () => {
    const cairn = await open();
    const wasFree = await isFree(8113);
    const run = await drive(cairn, (await start(cairn, 'port-guardian', { hold_seconds: 0 })).id, {});
    if (!wasFree) {
      // Something on this machine already uses 8113: the guardian must refuse.
      expect((await stepOf(cairn, run.id, 'start'))?.error?.code).toBe('PORT_IN_USE');
      return;
    }
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toMatchObject({ port: 8113, served: true });
    expect((await cairn.logs(run.id, { step: 'start' })).map((l) => l.line).join('\n')).toMatch(/probe answered 200: \{"service":"caelum-workflow-orchestration","port":8113\}/);
    expect(await isFree(8113)).toBe(true);

    // Someone else takes the port: the mandatory startup validation stops the service.
    const squatter = await listen(createTcpServer(), 8113).catch(() => undefined);
    if (!squatter) return;
    try {
      const refused = await drive(cairn, (await start(cairn, 'port-guardian')).id, {});
      expect(refused.status).toBe('failed');
      expect((await stepOf(cairn, refused.id, 'start'))?.error?.code).toBe('PORT_IN_USE');
    } finally {
      squatter.close();
    }
  });
});

function listen<S extends Server | ReturnType<typeof createTcpServer>>(server: S, at = 0): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, '127.0.0.1', () => resolve(server));
  });
}

function port(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return address.port;
}

async function isFree(at: number): Promise<boolean> {
  const server = await listen(createTcpServer(), at).catch(() => undefined);
  if (!server) return false;
  await new Promise((r) => server.close(r));
  return true;
}
