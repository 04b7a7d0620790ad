import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { auditAction } from '../app/index.js';
import type { McpContext } from './context.js';

/**
 * Record a tool call that changed something (docs/audit.md): the MCP client's principal
 * as the actor, `mcp <transport>` as where from. Refusals and errors change nothing.
 */
export async function recordToolCall(ctx: McpContext, tool: string, args: unknown, result: CallToolResult): Promise<void> {
  if (result.isError === true) return;
  const action = auditAction(tool, args);
  if (action === undefined) return;
  const fields = args !== null && typeof args === 'object' ? (args as Record<string, unknown>) : {};
  const structured = result.structuredContent ?? {};
  const target = [fields['execution_id'], structured['execution_id'], structured['id'], fields['workflow_id']].find((v): v is string => typeof v === 'string' && v !== '');
  const step = typeof fields['step'] === 'string' ? { step: fields['step'] } : undefined;
  await ctx.cairn.audit.record({ name: ctx.principal.name, origin: `mcp ${ctx.transport}` }, action, target, step);
}
