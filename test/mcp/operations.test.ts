import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cairn } from '../cli/cli.js';
import { stdioClient, workspace } from './harness.js';

const LEAKY = `id: leaky
name: leaky
steps:
  - id: echo
    command: shell
    parameters:
      env: { TOKEN: "\${{ secrets.CANARY }}" }
      run: |
        echo "the token is $TOKEN"
        echo "nope $TOKEN" >&2
        exit 1
`;

describe('MCP: secrets and the audit trail', () => {
  it('answers without a secret, and records the agent as the actor from mcp', async () => {
    const ws = workspace();
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    process.env['CAIRN_SECRET_CANARY'] = canary;
    const mcp = await stdioClient({ dir: ws.dir, db: ws.db, as: 'claude-agent' });
    const answers: string[] = [];
    try {
      const dry = await mcp.call('workflow_execute', { workflow_definition: LEAKY, dry_run: true });
      expect(dry.isError).toBe(false);
      const started = await mcp.call('workflow_execute', { workflow_definition: LEAKY });
      expect(started.isError).toBe(false);
      answers.push(started.text, JSON.stringify(started.data));
      const id = (started.data as { execution_id: string }).execution_id;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const status = await mcp.call('workflow_status', { execution_id: id });
        answers.push(status.text, JSON.stringify(status.data));
        if (JSON.stringify(status.data).includes('"failed"') && !JSON.stringify(status.data).includes('"running"')) break;
        if (Date.now() > deadline) throw new Error('timed out waiting for the run to fail');
        await new Promise((r) => setTimeout(r, 100));
      }
      const history = await mcp.call('workflow_history', {});
      answers.push(history.text, JSON.stringify(history.data));
      expect(answers.join('\n')).toContain('nope ***');
      expect(answers.join('\n')).not.toContain(canary);
    } finally {
      await mcp.close();
      delete process.env['CAIRN_SECRET_CANARY'];
    }
    const audit = JSON.parse((await cairn(['--db', ws.db, 'audit', '--json'])).stdout) as Array<{ actor: string; origin: string; action: string }>;
    const fromMcp = audit.filter((e) => e.origin === 'mcp stdio').map((e) => `${e.action} ${e.actor}`);
    // The dry run changed nothing; storing the definition and starting the run did.
    expect(fromMcp).toEqual(['run.start claude-agent']);
    expect(audit.every((e) => e.origin === 'mcp stdio' || e.origin === `cli ${hostname()}`)).toBe(true);
  });
});
