import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServerSpec } from '../../src/actions/mcp-clients.js';

/** The stdio test server (official SDK: McpServer over StdioServerTransport). */
export const ECHO_SERVER = fileURLToPath(new URL('./fixtures/echo-mcp-server.mjs', import.meta.url));

/** A scratch directory and a file in it where every start of the echo server appends its pid. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-mcp-'));
  readonly starts = join(this.dir, 'starts');

  /** The echo server as configuration would give it (`command: [node, <path>]`). */
  echo(env: Record<string, string> = {}): McpServerSpec {
    return { command: [process.execPath, ECHO_SERVER], env: { MCP_STARTS_FILE: this.starts, ...env }, cwd: this.dir };
  }

  /** Pids of the server starts so far. */
  startedPids(): number[] {
    if (!existsSync(this.starts)) return [];
    return readFileSync(this.starts, 'utf8').split('\n').filter(Boolean).map(Number);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll until `check` holds (generous deadline: tests run on loaded machines). */
export async function eventually(check: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
