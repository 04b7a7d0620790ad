import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { roleAllows, type Role } from '../app/index.js';
import type { McpContext } from './context.js';
import { failureOf, refusal } from './result.js';
import { recordToolCall } from './audit-trail.js';

/**
 * One MCP tool: its name, a description written for an agent (when to use it, what it
 * returns, what to call next), a strict zod input schema (unknown arguments are refused),
 * annotations, and the least role that may call it. Descriptions are static text: nothing
 * from the store ever reaches a tool list.
 */
export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  annotations: ToolAnnotations;
  access: Role;
  /** A stricter role for some arguments (a definition to store needs admin). */
  accessFor?(args: z.output<S>): Role;
  handler(args: z.output<S>, ctx: McpContext): Promise<CallToolResult>;
}

// Bivariance: a list of tools with different input types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = ToolSpec<any>;

export function tool<S extends z.ZodObject>(spec: ToolSpec<S>): AnyTool {
  return spec;
}

/** Register the tools: each call is authorized for the caller's role, and errors become refusals with codes. */
export function registerTools(server: McpServer, ctx: McpContext, tools: AnyTool[]): void {
  for (const spec of tools) {
    server.registerTool(spec.name, { title: spec.title, description: spec.description, inputSchema: spec.input, annotations: { title: spec.title, ...spec.annotations } }, async (args: unknown) => {
      const needed = spec.accessFor?.(args) ?? spec.access;
      if (!roleAllows(ctx.principal.role, needed)) {
        return refusal('FORBIDDEN', `${spec.name} needs the ${needed} role${needed === spec.access ? '' : ' for these arguments'}; '${ctx.principal.name}' is ${ctx.principal.role}`, { needed, role: ctx.principal.role });
      }
      try {
        const result = await spec.handler(args, ctx);
        await recordToolCall(ctx, spec.name, args, result);
        return result;
      } catch (err) {
        return failureOf(err, ctx);
      }
    });
  }
}
