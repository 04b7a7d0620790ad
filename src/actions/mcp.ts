import { ActionFailure, type Action, type McpToolResult } from './action.js';
import { mcpSpec, type McpParameters } from './specs/mcp.js';

export type { McpParameters } from './specs/mcp.js';

/**
 * The `mcp` command: call a tool on an MCP server named in the configuration's
 * `mcp_servers`. A workflow names the server; only the configuration says what program or
 * URL that is, so a workflow can never change a server's command line. The connection is
 * the process's pooled one (mcp-clients.ts), behind the server's circuit breaker.
 */

/** Largest result kept as outputs (JSON), as for `http` bodies. */
export const MAX_RESULT_BYTES = 1024 * 1024;

export const mcpAction: Action<McpParameters> = {
  ...mcpSpec,
  async run(ctx) {
    const p = ctx.parameters;
    const what = `${p.server}/${p.tool}`;
    if (!ctx.mcp) throw new ActionFailure(`MCP server '${p.server}' is not available: this process has no MCP servers`, 'MCP_UNKNOWN_SERVER', { server: p.server }, false);
    const started = performance.now();
    let result: McpToolResult;
    try {
      result = await ctx.mcp.call(
        p.server,
        { tool: p.tool, arguments: p.arguments ?? {}, idempotencyKey: ctx.idempotencyKey, ...(p.timeout_seconds !== undefined ? { timeoutMs: p.timeout_seconds * 1000 } : {}) },
        ctx.signal,
      );
    } catch (error) {
      ctx.log('system', `mcp ${what} -> ${error instanceof ActionFailure ? error.code : 'error'} (${elapsed(started)} ms)`);
      throw error;
    }
    const text = textOf(result);
    if (result.isError === true) {
      ctx.log('system', `mcp ${what} -> tool error (${elapsed(started)} ms)`);
      // The tool ran and said no: its own words are the message.
      throw new ActionFailure(`MCP tool '${what}' failed: ${text || 'the tool reported an error without text'}`, 'MCP_TOOL_ERROR', { server: p.server, tool: p.tool, ...(result.structuredContent ? { result: result.structuredContent } : {}) });
    }
    ctx.log('system', `mcp ${what} -> ok (${elapsed(started)} ms)`);
    const outputs = { result: result.structuredContent ?? null, text };
    const size = Buffer.byteLength(JSON.stringify(outputs));
    if (size > MAX_RESULT_BYTES) {
      throw new ActionFailure(`the result of MCP tool '${what}' is ${size} bytes, larger than ${MAX_RESULT_BYTES} bytes (1 MiB)`, 'MCP_RESULT_TOO_LARGE', { limit: MAX_RESULT_BYTES, size }, false);
    }
    return { outputs };
  },
};

/** The text items of a result, joined by newlines (images, audio and resources are left out). */
function textOf(result: McpToolResult): string {
  const content = Array.isArray(result.content) ? result.content : [];
  return content
    .filter((item) => item.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text as string)
    .join('\n');
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
