import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { BIN, cairn } from '../cli/cli.js';
import { SLOW } from './fixtures.js';
import { until, workspace } from './harness.js';

const NOISY = `id: noisy
name: Noisy
steps:
  - id: talk
    command: shell
    parameters: { run: "echo this line goes to the run log, not to the protocol; echo and this to stderr >&2" }
`;

/** Drive `cairn mcp` by hand over its pipes, as a client does, and collect what it writes. */
function session(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let id = 0;
  const send = (method: string, params: unknown, notification = false) => {
    const message = notification ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id: ++id, method, params };
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return id;
  };
  const messages = () =>
    stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { jsonrpc: string; id?: number; result?: any; error?: unknown });
  const answer = (n: number) => until(() => messages().find((m) => m.id === n), `answer ${n}`);
  return { child, send, answer, messages, exited, out: () => stdout, err: () => stderr };
}

describe('the cairn mcp process', () => {
  it('writes nothing but JSON-RPC to stdout, and exits 0 when the client closes stdin', async () => {
    const ws = workspace();
    const s = session(['--db', ws.db, 'mcp'], ws.dir);
    await s.answer(s.send('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }));
    s.send('notifications/initialized', {}, true);
    const listed = await s.answer(s.send('tools/list', {}));
    expect(listed.result.tools).toHaveLength(14);
    const started = await s.answer(s.send('tools/call', { name: 'workflow_execute', arguments: { workflow_definition: NOISY } }));
    const runId = started.result.structuredContent.execution_id as string;
    await until(async () => {
      const st = await s.answer(s.send('tools/call', { name: 'workflow_status', arguments: { execution_id: runId } }));
      return st.result.structuredContent.status === 'succeeded' ? true : undefined;
    }, 'the noisy run to succeed');
    s.child.stdin.end();
    expect(await s.exited).toBe(0);
    // Every line is one JSON-RPC message (messages() parses each): the step's own output
    // reached the agent only inside them, as data.
    for (const m of s.messages()) expect(m.jsonrpc).toBe('2.0');
    expect(s.out().split('\n').filter((l) => l.includes('this line goes to the run log') && !l.startsWith('{"result"'))).toEqual([]);
    expect(s.err()).toContain('cairn mcp: serving MCP on stdio as');
  });

  it('leaves a run it could not finish to recovery when it exits', async () => {
    const ws = workspace();
    const s = session(['--db', ws.db, 'mcp', '--as', 'agent-7'], ws.dir);
    await s.answer(s.send('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }));
    s.send('notifications/initialized', {}, true);
    const started = await s.answer(s.send('tools/call', { name: 'workflow_execute', arguments: { workflow_definition: SLOW } }));
    const runId = started.result.structuredContent.execution_id as string;
    expect(started.result.structuredContent.run.startedBy).toBe('agent-7');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const app = await Cairn.open({ db: ws.db, cwd: ws.dir });
    try {
      const { run } = await app.getRun(runId);
      expect(['running', 'waiting']).toContain(run.status);
      // Whoever acts on it next carries it: here, a cancellation takes it over.
      expect((await app.cancel(runId, { by: 'ops' })).status).toBe('cancelled');
    } finally {
      await app.close();
    }
  });

  it('refuses a bad --as with a usage error', async () => {
    const ws = workspace();
    const result = await cairn(['--db', ws.db, 'mcp', '--as', 'bad\u0007name'], { cwd: ws.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--as');
  });
});
