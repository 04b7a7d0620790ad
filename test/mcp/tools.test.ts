import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG, FLAKY, GATED, HELLO, SEQUENCE, SLOW, UNDOABLE } from './fixtures.js';
import { stdioClient, until, workspace, type McpConnection, type ToolAnswer } from './harness.js';

/**
 * Every tool, called with good and with bad arguments, through the official SDK client
 * against a spawned `cairn mcp` (the built CLI). Bad arguments get an error result that
 * says what is wrong; nothing changes.
 */
describe('cairn mcp over stdio: every tool', () => {
  const ws = workspace();
  let mcp: McpConnection;
  const stderr: string[] = [];

  beforeAll(async () => {
    ws.write('cairn.yaml', CONFIG);
    mcp = await stdioClient({ dir: ws.dir, db: ws.db, stderr });
    for (const def of [HELLO, SLOW, GATED, FLAKY, UNDOABLE, SEQUENCE]) {
      const created = await mcp.call('workflow_create', { workflow_definition: def });
      expect(created.isError, created.text).toBe(false);
    }
  });
  afterAll(async () => mcp.close());

  const refused = (answer: ToolAnswer, code?: string) => {
    expect(answer.isError, answer.text).toBe(true);
    if (code) expect(answer.data?.error?.code, answer.text).toBe(code);
    return answer.text;
  };
  const invalidArguments = (answer: ToolAnswer, ...words: string[]) => {
    expect(answer.isError, answer.text).toBe(true);
    expect(answer.text).toContain('Input validation error');
    for (const w of words) expect(answer.text).toContain(w);
  };
  const runCount = async () => (await mcp.call('workflow_history', { limit: 100 })).data.executions.length as number;
  const finished = (id: string, status: string) => until(async () => ((await mcp.call('workflow_status', { execution_id: id })).data.status === status ? true : undefined), `run ${id} ${status}`);

  it('lists 14 tools, each described for an agent, with strict schemas and annotations', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['workflow_analytics', 'workflow_approve', 'workflow_autocomplete', 'workflow_cancel', 'workflow_create', 'workflow_execute', 'workflow_history', 'workflow_list', 'workflow_retry', 'workflow_rollback', 'workflow_status', 'workflow_step_complete', 'workflow_suggest', 'workflow_validate'].sort(),
    );
    for (const t of tools) {
      expect(t.description?.length, t.name).toBeGreaterThan(150);
      expect(t.inputSchema.additionalProperties, t.name).toBe(false);
      expect(typeof t.annotations?.readOnlyHint, t.name).toBe('boolean');
      expect(typeof t.annotations?.destructiveHint, t.name).toBe('boolean');
    }
    const readOnly = tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name).sort();
    expect(readOnly).toEqual(['workflow_analytics', 'workflow_autocomplete', 'workflow_history', 'workflow_list', 'workflow_status', 'workflow_suggest', 'workflow_validate']);
    const destructive = tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name).sort();
    expect(destructive).toEqual(['workflow_approve', 'workflow_cancel', 'workflow_execute', 'workflow_retry', 'workflow_rollback']);
    const unknown = await mcp.client.callTool({ name: 'workflow_explode', arguments: {} });
    expect(unknown.isError).toBe(true);
  });

  it('workflow_list', async () => {
    const all = await mcp.call('workflow_list');
    expect(all.data.workflows.map((w: any) => w.id)).toEqual(['flaky', 'gated', 'hello', 'incident', 'slow', 'undoable']);
    expect(all.data.workflows.find((w: any) => w.id === 'hello').parameters.who).toMatchObject({ type: 'string', default: 'world' });
    expect((await mcp.call('workflow_list', { category: 'demo' })).data.workflows.map((w: any) => w.id)).toEqual(['hello']);
    invalidArguments(await mcp.call('workflow_list', { category: 7 }), 'category');
    invalidArguments(await mcp.call('workflow_list', { categroy: 'demo' }), 'Unrecognized key', 'categroy');
  });

  it('workflow_validate, at each level, from text or the store', async () => {
    const ok = await mcp.call('workflow_validate', { workflow_definition: HELLO });
    expect(ok.data).toMatchObject({ valid: true, level: 'standard' });
    const paranoid = await mcp.call('workflow_validate', { workflow_id: 'hello', level: 'paranoid' });
    expect(paranoid.data.valid).toBe(true);
    expect(paranoid.data.plan.order).toEqual(['greet']);
    const bad = await mcp.call('workflow_validate', { workflow_definition: 'id: broken\nsteps:\n  - id: a\n    command: shel\n' });
    expect(bad.isError).toBe(false);
    expect(bad.data.valid).toBe(false);
    expect(bad.data.diagnostics[0]).toMatchObject({ severity: 'error', line: 4 });
    const asObject = await mcp.call('workflow_validate', { workflow_definition: { id: 'obj', steps: [{ id: 'a', command: 'log', parameters: { message: 'x' } }] }, level: 'basic' });
    expect(asObject.data).toMatchObject({ valid: true, level: 'basic' });
    invalidArguments(await mcp.call('workflow_validate', {}), 'give either workflow_definition or workflow_id');
    invalidArguments(await mcp.call('workflow_validate', { workflow_definition: HELLO, workflow_id: 'hello' }), 'give either');
    invalidArguments(await mcp.call('workflow_validate', { workflow_definition: HELLO, level: 'extreme' }), 'level');
    refused(await mcp.call('workflow_validate', { workflow_id: 'nope' }), 'WORKFLOW_NOT_FOUND');
  });

  it('workflow_create stores revisions and refuses invalid definitions with diagnostics', async () => {
    const again = await mcp.call('workflow_create', { workflow_definition: HELLO });
    expect(again.data).toMatchObject({ created: false, workflow: { id: 'hello', revision: 1 } });
    const text = refused(await mcp.call('workflow_create', { workflow_definition: 'id: x\nsteps: 3\n' }), 'DEFINITION_INVALID');
    expect(text).toContain('diagnostics');
    invalidArguments(await mcp.call('workflow_create', {}), 'workflow_definition');
    invalidArguments(await mcp.call('workflow_create', { workflow_definition: HELLO, format: 'toml' }), 'format');
    expect((await mcp.call('workflow_list')).data.workflows).toHaveLength(6);
  });

  it('workflow_execute: dry runs, starts, parameters, idempotency, revisions, refusals', async () => {
    const before = await runCount();
    const dry = await mcp.call('workflow_execute', { workflow_id: 'hello', parameters: { who: 'dry' }, dry_run: true });
    expect(dry.data).toMatchObject({ dry_run: true, valid: true, parameters: { who: 'dry' }, plan: { order: ['greet'] } });
    const dryText = await mcp.call('workflow_execute', { workflow_definition: 'id: adhoc\nsteps:\n  - { id: a, command: log, parameters: { message: hi } }\n', dry_run: true });
    expect(dryText.data.plan.order).toEqual(['a']);
    expect(await runCount()).toBe(before);
    expect((await mcp.call('workflow_list')).data.workflows.map((w: any) => w.id)).not.toContain('adhoc');

    const started = await mcp.call('workflow_execute', { workflow_id: 'hello', parameters: '{"who": "json text"}' });
    expect(started.data.run).toMatchObject({ workflowId: 'hello', startedBy: userInfo().username, parameters: { who: 'json text' } });
    await finished(started.data.execution_id, 'succeeded');
    const status = await mcp.call('workflow_status', { execution_id: started.data.execution_id });
    expect(status.data.data.step_outputs.greet).toMatchObject({ greeting: 'Hello, json text' });

    const once = await mcp.call('workflow_execute', { workflow_id: 'hello', idempotency_key: 'k-1' });
    const twice = await mcp.call('workflow_execute', { workflow_id: 'hello', idempotency_key: 'k-1' });
    expect(twice.data).toMatchObject({ duplicate: true, execution_id: once.data.execution_id });

    // A definition given as text is stored first; an older body runs as its own revision.
    const v1 = 'id: versioned\nsteps:\n  - { id: a, command: log, parameters: { message: one } }\n';
    const v2 = 'id: versioned\nsteps:\n  - { id: a, command: log, parameters: { message: two } }\n';
    const r1 = await mcp.call('workflow_execute', { workflow_definition: v1 });
    await mcp.call('workflow_execute', { workflow_definition: v2 });
    const again1 = await mcp.call('workflow_execute', { workflow_definition: v1 });
    expect(again1.data.run.definitionHash).toBe(r1.data.run.definitionHash);
    await finished(again1.data.execution_id, 'succeeded');
    expect((await mcp.call('workflow_status', { execution_id: again1.data.execution_id })).data.data.step_outputs.a).toEqual({ message: 'one' });
    const byRevision = await mcp.call('workflow_execute', { workflow_id: 'versioned', revision: 1 });
    expect(byRevision.data.run.definitionHash).toBe(r1.data.run.definitionHash);

    const counted = await runCount();
    refused(await mcp.call('workflow_execute', { workflow_id: 'hello', parameters: { nope: 1 } }), 'PARAMETER_INVALID');
    expect(refused(await mcp.call('workflow_execute', { workflow_id: 'hello', parameters: '{not json' }), 'USAGE')).toContain('parameters: not valid JSON');
    refused(await mcp.call('workflow_execute', { workflow_id: 'hello', parameters: '[1]' }), 'USAGE');
    refused(await mcp.call('workflow_execute', { workflow_id: 'missing' }), 'WORKFLOW_NOT_FOUND');
    refused(await mcp.call('workflow_execute', { workflow_id: 'hello', revision: 9 }), 'WORKFLOW_NOT_FOUND');
    refused(await mcp.call('workflow_execute', { workflow_id: 'hello', auto_approve: true }), 'NOT_ALLOWED');
    refused(await mcp.call('workflow_execute', { workflow_definition: 'id: x\nsteps: []\nnope: [' }), 'DEFINITION_INVALID');
    invalidArguments(await mcp.call('workflow_execute', {}), 'give either workflow_id or workflow_definition');
    invalidArguments(await mcp.call('workflow_execute', { workflow_id: 'hello', dry_run: 'yes' }), 'dry_run');
    expect(await runCount()).toBe(counted);
  });

  it('workflow_status, as JSON and as a state document', async () => {
    const started = await mcp.call('workflow_execute', { workflow_id: 'gated' });
    const id = started.data.execution_id;
    const s = await until(async () => {
      const r = await mcp.call('workflow_status', { execution_id: id.slice(0, 10) });
      return r.data.open_tasks.length > 0 ? r : undefined;
    }, 'the approval');
    expect(s.data).toMatchObject({ execution_id: id, status: 'waiting', open_tasks: [{ step: 'go', kind: 'approval', instructions: 'Say go.' }] });
    expect(s.data.steps.map((st: any) => [st.step, st.status])).toEqual([
      ['go', 'waiting'],
      ['after', 'pending'],
    ]);
    expect(s.text).toContain(`Run ${id} (gated) is waiting`);
    const doc = (await mcp.call('workflow_status', { execution_id: id, format: 'markdown' })).text;
    expect(doc).toMatch(/^# workflow_state\.md\n/);
    expect(doc).toContain('Status: NEEDS_APPROVAL');
    expect(doc).toContain('| after |  | pending | 0 |');
    refused(await mcp.call('workflow_status', { execution_id: 'zzzzzz' }), 'RUN_NOT_FOUND');
    invalidArguments(await mcp.call('workflow_status', { execution_id: '' }), 'execution_id');
    invalidArguments(await mcp.call('workflow_status', { execution_id: id, format: 'html' }), 'format');
  });

  it('workflow_approve: the only open approval by default; refusals', async () => {
    const yes = (await mcp.call('workflow_execute', { workflow_id: 'gated' })).data.execution_id;
    const no = (await mcp.call('workflow_execute', { workflow_id: 'gated' })).data.execution_id;
    await until(async () => ((await mcp.call('workflow_status', { execution_id: yes })).data.open_tasks.length > 0 ? true : undefined), 'approval open');
    await until(async () => ((await mcp.call('workflow_status', { execution_id: no })).data.open_tasks.length > 0 ? true : undefined), 'approval open');
    refused(await mcp.call('workflow_approve', { execution_id: yes, step: 'after' }), 'TASK_NOT_OPEN');
    refused(await mcp.call('workflow_approve', { execution_id: yes, step: 'nope' }), 'STEP_NOT_FOUND');
    invalidArguments(await mcp.call('workflow_approve', { execution_id: yes, approve: 'yes' }), 'approve');
    const approved = await mcp.call('workflow_approve', { execution_id: yes, comment: 'fine' });
    expect(approved.data.decided).toEqual({ step: 'go', approve: true });
    await finished(yes, 'succeeded');
    refused(await mcp.call('workflow_approve', { execution_id: yes }), 'RUN_FINISHED');
    const rejected = await mcp.call('workflow_approve', { execution_id: no, approve: false, comment: 'not now' });
    expect(rejected.data.decided).toEqual({ step: 'go', approve: false });
    await finished(no, 'failed');
  });

  it('workflow_step_complete: refusals leave the task open', async () => {
    const id = (await mcp.call('workflow_execute', { workflow_id: 'undoable' })).data.execution_id;
    await until(async () => ((await mcp.call('workflow_status', { execution_id: id })).data.open_tasks.length > 0 ? true : undefined), 'the task');
    refused(await mcp.call('workflow_step_complete', { execution_id: id, step: 'create', output: {} }), 'TASK_NOT_OPEN');
    refused(await mcp.call('workflow_step_complete', { execution_id: id, step: 'ghost', output: {} }), 'STEP_NOT_FOUND');
    invalidArguments(await mcp.call('workflow_step_complete', { execution_id: id, step: 'hold', output: [1, 2] }), 'output');
    invalidArguments(await mcp.call('workflow_step_complete', { execution_id: id }), 'step');
    expect((await mcp.call('workflow_status', { execution_id: id })).data.open_tasks.map((t: any) => t.step)).toEqual(['hold']);
    const done = await mcp.call('workflow_step_complete', { execution_id: id, step: 'hold', output: { note: 'ok' } });
    expect(done.data).toMatchObject({ completed: 'hold' });
    await finished(id, 'succeeded');
  });

  it('workflow_cancel', async () => {
    const id = (await mcp.call('workflow_execute', { workflow_id: 'slow' })).data.execution_id;
    const cancelled = await mcp.call('workflow_cancel', { execution_id: id, reason: 'not needed' });
    expect(cancelled.data.run.status).toBe('cancelled');
    refused(await mcp.call('workflow_cancel', { execution_id: id }), 'RUN_FINISHED');
    refused(await mcp.call('workflow_cancel', { execution_id: 'nosuchrun' }), 'RUN_NOT_FOUND');
    invalidArguments(await mcp.call('workflow_cancel', { execution_id: id, reason: 'x'.repeat(3000) }), 'reason');
  });

  it('workflow_rollback: a manual plan, then an immediate rollback', async () => {
    const id = (await mcp.call('workflow_execute', { workflow_id: 'undoable' })).data.execution_id;
    await until(async () => ((await mcp.call('workflow_status', { execution_id: id })).data.open_tasks.length > 0 ? true : undefined), 'the task');
    const manual = await mcp.call('workflow_rollback', { execution_id: id, strategy: 'manual' });
    expect(manual.data.plan.map((c: any) => c.step)).toEqual(['create']);
    expect(manual.text).toContain('nothing ran');
    invalidArguments(await mcp.call('workflow_rollback', { execution_id: id, strategy: 'yolo' }), 'strategy');
    refused(await mcp.call('workflow_rollback', { execution_id: 'nosuchrun' }), 'RUN_NOT_FOUND');
    const requested = await mcp.call('workflow_rollback', { execution_id: id, reason: 'undo it' });
    expect(requested.isError, requested.text).toBe(false);
    expect(requested.data.rollback_id).toBe(id);
    await finished(id, 'rolled_back');
  });

  it('workflow_retry: from the failed step, after the cause is fixed', async () => {
    const id = (await mcp.call('workflow_execute', { workflow_id: 'flaky' })).data.execution_id;
    await finished(id, 'failed');
    const s = await mcp.call('workflow_status', { execution_id: id });
    expect(s.data.next).toMatchObject({ tool: 'workflow_retry', arguments: { execution_id: id, step: 'check' } });
    refused(await mcp.call('workflow_retry', { execution_id: id, step: 'ghost' }), 'RETRY_REFUSED');
    ws.write('flag.txt', 'ok');
    expect((await mcp.call('workflow_retry', { execution_id: id, step: 'check' })).isError).toBe(false);
    await finished(id, 'succeeded');
    refused(await mcp.call('workflow_retry', { execution_id: id }), 'RETRY_REFUSED');
  });

  it('workflow_history: limits, filters and pages', async () => {
    const page = await mcp.call('workflow_history', { limit: 2 });
    expect(page.data.executions).toHaveLength(2);
    const next = await mcp.call('workflow_history', { limit: 2, before: page.data.next_before });
    expect(next.data.executions[0].id).not.toBe(page.data.executions[0].id);
    const failed = await mcp.call('workflow_history', { status_filter: 'failed, cancelled', limit: 100 });
    expect(failed.data.executions.length).toBeGreaterThan(0);
    expect(failed.data.executions.every((r: any) => ['failed', 'cancelled'].includes(r.status))).toBe(true);
    const asList = await mcp.call('workflow_history', { status_filter: ['rolled_back'] });
    expect(asList.data.executions.map((r: any) => r.status)).toEqual(['rolled_back']);
    invalidArguments(await mcp.call('workflow_history', { status_filter: 'done' }), 'comma-separated list');
    invalidArguments(await mcp.call('workflow_history', { limit: 0 }), 'limit');
  });

  it('workflow_suggest, workflow_autocomplete and workflow_analytics', async () => {
    const suggested = await mcp.call('workflow_suggest', { intent: 'respond to a database incident' });
    expect(suggested.data.suggestions[0]).toMatchObject({ workflow: 'incident', reasons: expect.arrayContaining([expect.stringContaining('database')]) });
    expect(suggested.data.prefill).toMatchObject({ workflow: 'incident', basedOn: 0, parameters: [] });
    const fromCommands = await mcp.call('workflow_suggest', { recent_commands: 'hv-status,hv-broadcast' });
    expect(fromCommands.data.completions[0].workflow.id).toBe('incident');
    invalidArguments(await mcp.call('workflow_suggest', {}), 'give a context, an intent or recent_commands');

    const completed = await mcp.call('workflow_autocomplete', { partial_sequence: 'hv-status, hv-broadcast' });
    expect(completed.data.completions[0]).toMatchObject({ workflow: { id: 'incident' }, matched: ['hv-status', 'hv-broadcast'], score: 1, next: [{ step: 'delegate', command: 'hv-delegate' }, { step: 'note', command: 'remember' }] });
    const tail = await mcp.call('workflow_autocomplete', { partial_sequence: ['something-else', 'hv-delegate'] });
    expect(tail.data.completions[0]).toMatchObject({ matched: ['hv-delegate'], score: 0.5 });
    expect((await mcp.call('workflow_autocomplete', { partial_sequence: 'nothing-like-it' })).data.completions).toEqual([]);
    invalidArguments(await mcp.call('workflow_autocomplete', { partial_sequence: '' }), 'partial_sequence');

    const analytics = await mcp.call('workflow_analytics');
    const hello = analytics.data.workflows.find((w: any) => w.workflowId === 'hello');
    expect(hello).toMatchObject({ succeeded: expect.any(Number), successRate: 1 });
    expect(analytics.data.runs.succeeded).toBeGreaterThan(0);
    invalidArguments(await mcp.call('workflow_analytics', { sample: 0 }), 'sample');
  });

  it('kept stdout for the protocol: the notes went to stderr', () => {
    expect(stderr.join('')).toContain('cairn mcp: serving MCP on stdio as');
  });
});
