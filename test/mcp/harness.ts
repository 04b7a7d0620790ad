import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BIN } from '../cli/cli.js';
import { testStoreLocation } from '../store/test-store.js';

/** What a tool call answered, read the way an agent reads it. */
export interface ToolAnswer {
  isError: boolean;
  text: string;
  data: any;
}

export interface McpConnection {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
  close(): Promise<void>;
}

/** A temp directory for a store, workflow files and a coverage report. */
export function workspace(): { dir: string; db: string; write(path: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-mcp-'));
  return {
    dir,
    db: testStoreLocation(dir),
    write(path, text) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
      return full;
    },
  };
}

function connection(client: Client): McpConnection {
  return {
    client,
    call: async (name, args = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: unknown };
      return { isError: result.isError === true, text: result.content.map((c) => c.text ?? '').join('\n'), data: result.structuredContent };
    },
    close: () => client.close(),
  };
}

/** The real `cairn mcp` (the built CLI: run `npm run build` first), spawned as an MCP client spawns it. */
export async function stdioClient(opts: { dir: string; db: string; as?: string; stderr?: string[] }): Promise<McpConnection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--db', opts.db, 'mcp', ...(opts.as ? ['--as', opts.as] : [])],
    cwd: opts.dir,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'cairn-test-agent', version: '1.0.0' });
  const lines = opts.stderr;
  transport.stderr?.on('data', (d: Buffer) => lines?.push(d.toString()));
  await client.connect(transport);
  return connection(client);
}

/** An MCP client of `cairn serve`'s /mcp endpoint with an API key. */
export async function httpClient(url: string, key: string): Promise<McpConnection> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const client = new Client({ name: 'cairn-test-agent', version: '1.0.0' });
  await client.connect(transport);
  return connection(client);
}

/** Poll until check() gives a value: no timed assertions. */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** istanbul's json-summary with the given line coverage. */
export function coverageSummary(linesPct: number): string {
  const total = 200;
  const covered = Math.round((total * linesPct) / 100);
  const metric = { total, covered, skipped: 0, pct: linesPct };
  return JSON.stringify({ total: { lines: metric, statements: metric, functions: metric, branches: metric } });
}

/** An lcov report with the given lines found / hit. */
export function lcov(found: number, hit: number): string {
  return `TN:\nSF:src/feature.ts\nLF:${found}\nLH:${hit}\nend_of_record\n`;
}

/**
 * The fixture of the scripted agent: four phases; BLUEPRINT closes with an approval only
 * `alice` may give; VALIDATE has a coverage gate over coverage/lcov.info.
 */
export const DEV_CYCLE = `id: feature-cycle
name: Feature development cycle
description: Analyze, plan (approved by alice), build, validate with a coverage gate
category: development
tags: [agent, phases]
parameters:
  feature: { type: string, required: true }
phases:
  - ANALYZE
  - { name: BLUEPRINT, approval: { approvers: [alice] } }
  - CONSTRUCT
  - VALIDATE
steps:
  - id: analyze
    phase: ANALYZE
    command: task
    parameters:
      assignee: agent
      instructions: "Read the code for \${{ parameters.feature }} and summarize the requirements."
      output_schema:
        type: object
        required: [summary]
        properties: { summary: { type: string, minLength: 5 } }
  - id: plan
    phase: BLUEPRINT
    command: task
    parameters:
      assignee: agent
      instructions: Write the plan as ordered steps.
      output_schema:
        type: object
        required: [steps]
        properties: { steps: { type: array, minItems: 1, items: { type: string } } }
  - id: implement
    phase: CONSTRUCT
    command: task
    parameters:
      assignee: agent
      instructions: Implement the plan and write coverage/lcov.info.
      output_schema:
        type: object
        required: [files]
        properties: { files: { type: array, items: { type: string } } }
  - id: coverage
    phase: VALIDATE
    command: gate
    parameters:
      checks:
        - coverage: { file: coverage/lcov.info, lines: 85 }
`;
