import { afterEach, describe, expect, it } from 'vitest';
import type { McpParameters } from '../../src/actions/mcp.js';
import { mcpAction } from '../../src/actions/mcp.js';
import { McpClients, type McpServerSpec } from '../../src/actions/mcp-clients.js';
import { actionContext, failure } from './context.js';
import { eventually, isAlive, Scratch } from './mcp-support.js';

let scratch: Scratch;
let pool: McpClients | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
  scratch?.remove();
});

function setup(servers: (s: Scratch) => Record<string, McpServerSpec>, options: ConstructorParameters<typeof McpClients>[1] = {}): McpClients {
  scratch = new Scratch();
  pool = new McpClients(servers(scratch), options);
  return pool;
}

/** Run the `mcp` action once against the pool. */
function call(parameters: McpParameters, overrides: { idempotencyKey?: string } = {}) {
  const t = actionContext(parameters, overrides);
  t.ctx.mcp = pool;
  return { ...t, done: mcpAction.run(t.ctx) };
}

describe('the mcp command on a real stdio server (official SDK on both ends)', () => {
  it('calls a tool: the structured result and the text become outputs', async () => {
    setup((s) => ({ calc: s.echo() }));
    const { done, lines } = call({ server: 'calc', tool: 'add', arguments: { a: 2, b: 3 } });
    expect((await done).outputs).toEqual({ result: { sum: 5 }, text: '5' });
    expect(lines.map((l) => l.line)).toEqual([expect.stringMatching(/^mcp calc\/add -> ok \(\d+ ms\)$/)]);
  });

  it('a result without structured content has result null and its text items joined by newlines', async () => {
    setup((s) => ({ calc: s.echo() }));
    expect((await call({ server: 'calc', tool: 'echo', arguments: { text: 'hi', times: 2 } }).done).outputs).toEqual({ result: null, text: 'hi\nhi' });
  });

  it('a tool error (isError) fails the step with the tool\'s own text', async () => {
    setup((s) => ({ calc: s.echo() }));
    const f = await failure(call({ server: 'calc', tool: 'fail', arguments: { message: 'the disk is full' } }).done);
    expect(f.code).toBe('MCP_TOOL_ERROR');
    expect(f.message).toBe("MCP tool 'calc/fail' failed: the disk is full");
    expect(f.details).toMatchObject({ server: 'calc', tool: 'fail' });
  });

  it('an unknown tool is a tool error too (the server says so)', async () => {
    setup((s) => ({ calc: s.echo() }));
    const f = await failure(call({ server: 'calc', tool: 'nope' }).done);
    expect(f.code).toBe('MCP_TOOL_ERROR');
    expect(f.message).toContain('nope');
  });

  it('an unknown server fails for good, naming the configured ones', async () => {
    setup((s) => ({ calc: s.echo() }));
    const f = await failure(call({ server: 'clac', tool: 'add' }).done);
    expect(f.code).toBe('MCP_UNKNOWN_SERVER');
    expect(f.retryable).toBe(false);
    expect(f.message).toContain('configured: calc');
    expect(scratch.startedPids()).toEqual([]);
  });

  it('passes the configured environment and the idempotency key (in _meta)', async () => {
    setup((s) => ({ calc: s.echo({ API_TOKEN: 's3cret' }) }));
    const { done } = call({ server: 'calc', tool: 'info', arguments: { variable: 'API_TOKEN' } }, { idempotencyKey: 'run-1:calc' });
    expect((await done).outputs.result).toMatchObject({ value: 's3cret', idempotencyKey: 'run-1:calc' });
    // Only the configured variables and a few safe ones: not the whole environment of Cairn.
    const leaked = await call({ server: 'calc', tool: 'info', arguments: { variable: 'VITEST' } }).done;
    expect(leaked.outputs.result).toMatchObject({ value: null });
  });
});

describe('the connection pool', () => {
  it('reuses one connection (one server process) for many calls, concurrent ones included', async () => {
    setup((s) => ({ calc: s.echo() }));
    const results = await Promise.all([1, 2, 3, 4].map((n) => call({ server: 'calc', tool: 'add', arguments: { a: n, b: n } }).done));
    expect(results.map((r) => (r.outputs.result as { sum: number }).sum)).toEqual([2, 4, 6, 8]);
    await call({ server: 'calc', tool: 'echo', arguments: { text: 'again' } }).done;
    expect(scratch.startedPids()).toHaveLength(1);
  });

  it('reopens the connection after the server process dies', async () => {
    setup((s) => ({ calc: s.echo() }));
    const first = (await call({ server: 'calc', tool: 'info' }).done).outputs.result as { pid: number };
    process.kill(first.pid, 'SIGKILL');
    await eventually(() => !isAlive(first.pid), 'the server to die');
    // The pool notices the closed transport; the next call starts the server again.
    const second = await eventually2(async () => (await call({ server: 'calc', tool: 'info' }).done).outputs.result as { pid: number });
    expect(second.pid).not.toBe(first.pid);
    expect(scratch.startedPids()).toEqual([first.pid, second.pid]);
  });

  it('close() ends the server processes; the pool opens a new one when used again', async () => {
    setup((s) => ({ calc: s.echo() }));
    const { pid } = (await call({ server: 'calc', tool: 'info' }).done).outputs.result as { pid: number };
    await pool?.close();
    await eventually(() => !isAlive(pid), 'the server to exit');
    await call({ server: 'calc', tool: 'add', arguments: { a: 1, b: 1 } }).done;
    expect(scratch.startedPids()).toHaveLength(2);
  });

  it('a server that exits at start: MCP_UNAVAILABLE with the end of its stderr', async () => {
    setup((s) => ({ broken: s.echo({ MCP_FAIL_AT_START: 'no licence' }) }));
    const f = await failure(call({ server: 'broken', tool: 'add' }).done);
    expect(f.code).toBe('MCP_UNAVAILABLE');
    expect(f.retryable).toBe(true);
    expect(f.message).toContain("cannot connect to MCP server 'broken'");
    expect(f.message).toContain('echo server: refusing to start (no licence)');
  });

  it('a server that never answers the handshake: validation gives up in its time, and closing the pool stops the server at once', async () => {
    setup((s) => ({ hang: s.echo({ MCP_HANG_AT_START: '1' }) }), { connectTimeoutMs: 120_000 });
    const f = await failure(pool!.tools('hang', { timeoutMs: 300 }));
    expect(f.code).toBe('MCP_UNAVAILABLE');
    expect(f.message).toContain("cannot connect to MCP server 'hang'");
    expect(f.message).toContain('no answer to the initialize handshake within 0.3 s');
    await eventually(() => scratch.startedPids().length === 1, 'the server to start');
    // Waiting for the 120 s handshake limit here would outlast the test's own limit.
    await pool!.close();
    const [pid] = scratch.startedPids();
    await eventually(() => !isAlive(pid as number), 'the server to be stopped');
  });

  it('a program that does not exist: MCP_UNAVAILABLE saying so', async () => {
    setup((s) => ({ ghost: { command: ['cairn-no-such-mcp-server'], env: {}, cwd: s.dir } }));
    const f = await failure(call({ server: 'ghost', tool: 'add' }).done);
    expect(f.code).toBe('MCP_UNAVAILABLE');
    expect(f.message).toContain("'cairn-no-such-mcp-server'");
    expect(f.message).toContain('ENOENT');
  });

  it('the breaker opens after consecutive connection failures: calls then fail at once, starting nothing', async () => {
    setup((s) => ({ broken: s.echo({ MCP_FAIL_AT_START: 'down' }) }), { breaker: { failures: 2, halfOpenAfterMs: 60_000 } });
    for (let i = 0; i < 2; i++) expect((await failure(call({ server: 'broken', tool: 'add' }).done)).code).toBe('MCP_UNAVAILABLE');
    expect(scratch.startedPids()).toHaveLength(2);
    const f = await failure(call({ server: 'broken', tool: 'add' }).done);
    expect(f.code).toBe('CIRCUIT_OPEN');
    expect(f.message).toContain("circuit open for MCP server 'broken' after 2 consecutive failures");
    expect(scratch.startedPids()).toHaveLength(2);
    expect(pool?.breakerStates()).toEqual([expect.objectContaining({ server: 'broken', state: 'open', failures: 2 })]);
  });

  it('a tool error does not count against the breaker (the server is up)', async () => {
    setup((s) => ({ calc: s.echo() }), { breaker: { failures: 1 } });
    for (let i = 0; i < 3; i++) expect((await failure(call({ server: 'calc', tool: 'fail' }).done)).code).toBe('MCP_TOOL_ERROR');
    expect(pool?.breakerStates()).toEqual([expect.objectContaining({ server: 'calc', state: 'closed', failures: 0 })]);
  });

  it('the breaker lets a trial call through after half_open_after, and a success closes it', async () => {
    scratch = new Scratch();
    let spec = scratch.echo({ MCP_FAIL_AT_START: 'down' });
    // The servers object is read at each connection: fix the server "in place".
    const servers: Record<string, McpServerSpec> = {
      get calc() {
        return spec;
      },
    };
    pool = new McpClients(servers, { breaker: { failures: 1, halfOpenAfterMs: 200 } });
    expect((await failure(call({ server: 'calc', tool: 'add' }).done)).code).toBe('MCP_UNAVAILABLE');
    expect((await failure(call({ server: 'calc', tool: 'add' }).done)).code).toBe('CIRCUIT_OPEN');
    spec = scratch.echo();
    const result = await eventually2(async () => (await call({ server: 'calc', tool: 'add', arguments: { a: 1, b: 2 } }).done).outputs.result);
    expect(result).toEqual({ sum: 3 });
    expect(pool.breakerStates()[0]?.state).toBe('closed');
  });

  it('timeout_seconds bounds the call (MCP_TIMEOUT); the connection stays usable', async () => {
    setup((s) => ({ calc: s.echo() }));
    const f = await failure(call({ server: 'calc', tool: 'slow', arguments: { ms: 30_000 }, timeout_seconds: 0.2 }).done);
    expect(f.code).toBe('MCP_TIMEOUT');
    expect(f.message).toBe("MCP server 'calc' did not answer tool 'slow' within 0.2 s");
    expect((await call({ server: 'calc', tool: 'add', arguments: { a: 1, b: 1 } }).done).outputs.result).toEqual({ sum: 2 });
    expect(scratch.startedPids()).toHaveLength(1);
  });

  it('a cancelled step stops waiting at once (ABORTED)', async () => {
    setup((s) => ({ calc: s.echo() }));
    await call({ server: 'calc', tool: 'add', arguments: { a: 1, b: 1 } }).done;
    const { done, controller } = call({ server: 'calc', tool: 'slow', arguments: { ms: 60_000 } });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    const f = await failure(done);
    expect(f.code).toBe('ABORTED');
    expect(f.message).toContain('cancelled by test');
  });
});

/** Retry an async check until it resolves (the pool may still be forgetting a dead connection). */
async function eventually2<T>(attempt: () => Promise<T>, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
