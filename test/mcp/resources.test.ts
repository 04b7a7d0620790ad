import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATED, HELLO, SLOW } from './fixtures.js';
import { stdioClient, until, workspace, type McpConnection } from './harness.js';

/** Resources (definitions and run state), run subscriptions over stdio, and the dev-cycle prompt. */
describe('cairn mcp: resources, subscriptions, prompts', () => {
  const ws = workspace();
  let mcp: McpConnection;
  let other: McpConnection;
  const updates: string[] = [];

  beforeAll(async () => {
    mcp = await stdioClient({ dir: ws.dir, db: ws.db, as: 'agent' });
    other = await stdioClient({ dir: ws.dir, db: ws.db, as: 'alice' });
    mcp.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    for (const def of [HELLO, GATED, SLOW]) expect((await mcp.call('workflow_create', { workflow_definition: def })).isError).toBe(false);
  });
  afterAll(async () => {
    await other.close();
    await mcp.close();
  });

  it('lists and reads workflow definitions', async () => {
    const { resourceTemplates } = await mcp.client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate).sort()).toEqual(['cairn://runs/{id}', 'cairn://workflows/{id}']);
    const { resources } = await mcp.client.listResources();
    expect(resources.filter((r) => r.uri.startsWith('cairn://workflows/')).map((r) => r.uri)).toEqual(['cairn://workflows/gated', 'cairn://workflows/hello', 'cairn://workflows/slow']);
    const hello = await mcp.client.readResource({ uri: 'cairn://workflows/hello' });
    expect(hello.contents).toEqual([{ uri: 'cairn://workflows/hello', mimeType: 'application/yaml', text: HELLO }]);
    await expect(mcp.client.readResource({ uri: 'cairn://workflows/missing' })).rejects.toThrow(/-32002.*WORKFLOW_NOT_FOUND/);
    await expect(mcp.client.readResource({ uri: 'cairn://runs/nosuchrun' })).rejects.toThrow(/RUN_NOT_FOUND/);
  });

  it('sends updates for a subscribed run as it moves, and reads its state', async () => {
    expect(mcp.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    const id = (await mcp.call('workflow_execute', { workflow_id: 'gated' })).data.execution_id as string;
    const uri = `cairn://runs/${id}`;
    await until(async () => ((await mcp.call('workflow_status', { execution_id: id })).data.open_tasks.length > 0 ? true : undefined), 'the approval');
    await mcp.client.subscribeResource({ uri });
    // Approved from another process: the run is held by this one, which applies the request.
    expect((await other.call('workflow_approve', { execution_id: id })).isError).toBe(false);
    await until(() => updates.includes(uri) || undefined, 'an update notification');
    const state = await until(async () => {
      const read = await mcp.client.readResource({ uri });
      const parsed = JSON.parse(String((read.contents[0] as { text?: string } | undefined)?.text));
      return parsed.status === 'succeeded' ? parsed : undefined;
    }, 'the run to succeed');
    expect(state).toMatchObject({ execution_id: id, workflow: { id: 'gated' }, open_tasks: [] });
    expect(state.data.step_outputs.go).toMatchObject({ approved: true, approvers: ['alice'] });
    await mcp.client.unsubscribeResource({ uri });
  });

  it('follows a run another process holds', async () => {
    const id = (await other.call('workflow_execute', { workflow_id: 'slow' })).data.execution_id as string;
    const uri = `cairn://runs/${id}`;
    await mcp.client.subscribeResource({ uri });
    const seen = updates.length;
    expect((await other.call('workflow_cancel', { execution_id: id })).data.run.status).toBe('cancelled');
    await until(() => updates.slice(seen).includes(uri) || undefined, 'an update for the other process\'s run');
  });

  it('refuses subscriptions it cannot serve', async () => {
    await expect(mcp.client.subscribeResource({ uri: 'cairn://workflows/hello' })).rejects.toThrow(/only runs send updates/);
    await expect(mcp.client.subscribeResource({ uri: 'cairn://runs/nosuchrun' })).rejects.toThrow(/no run 'nosuchrun'/);
  });

  it('offers the dev_cycle prompt, whose workflow is valid', async () => {
    const { prompts } = await mcp.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['dev_cycle']);
    const prompt = await mcp.client.getPrompt({ name: 'dev_cycle', arguments: { task: 'add a login form' } });
    const text = String((prompt.messages[0]?.content as { text: string }).text);
    expect(text).toContain('add a login form');
    for (const phase of ['ANALYZE', 'BLUEPRINT', 'CONSTRUCT', 'VALIDATE']) expect(text).toContain(phase);
    const yaml = /```yaml\n([\s\S]*?)```/.exec(text)?.[1];
    expect(yaml).toBeDefined();
    const checked = await mcp.call('workflow_validate', { workflow_definition: yaml ?? '', level: 'strict' });
    expect(checked.data.valid, checked.text).toBe(true);
    const dry = await mcp.call('workflow_execute', { workflow_definition: yaml ?? '', parameters: { task: 'x' }, dry_run: true });
    expect(dry.data.plan.order).toEqual(['analyze', 'plan', 'BLUEPRINT-approval', 'construct', 'coverage']);
    await expect(mcp.client.getPrompt({ name: 'dev_cycle', arguments: {} })).rejects.toThrow(/task/);
  });
});
