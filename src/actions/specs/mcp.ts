import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

function mcpParameters() {
  return z.strictObject({
    server: z.string().min(1).describe('A server name from `mcp_servers` in the configuration.'),
    tool: z.string().min(1).describe('The tool to call.'),
    arguments: z.record(z.string(), z.json()).optional().describe("The tool's arguments (an object; values may hold templates)."),
    timeout_seconds: z.number().positive().optional().describe('Time limit for the call (the step timeout applies too).'),
  });
}

export type McpParameters = z.infer<ReturnType<typeof mcpParameters>>;

export const mcpSpec: ActionSpec<McpParameters> = lazySpec(
  {
    name: 'mcp',
    summary: "Call a tool on a configured MCP server; its structured result and text become outputs.",
    // A tool may change anything: strict validation asks for a rollback.
    mutates: true,
  },
  mcpParameters,
);
