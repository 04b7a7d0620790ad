import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { serveStdio } from '../../mcp/serve.js';
import { CliError, EXIT } from '../exit.js';
import { openFrom } from '../open.js';

/**
 * `cairn mcp`: the MCP server on stdio, for an agent on this machine (`claude mcp add
 * cairn -- npx cairn mcp`). Nothing but protocol goes to stdout; notes go to stderr.
 */
export default async function mcpCommand(flags: { as?: string }, cmd: Command): Promise<number> {
  if (flags.as !== undefined && !/^[^\p{Cc}]{1,64}$/u.test(flags.as)) throw new CliError(`--as takes a name of 1 to 64 characters without control characters`, EXIT.usage);
  const cairn = await openFrom(cmd);
  const actor = flags.as ?? osUser();
  const session = await serveStdio({
    cairn,
    actor,
    version: cmd.parent?.version() ?? '0.0.0',
    onError: (err) => process.stderr.write(`cairn mcp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
  });
  process.stderr.write(`cairn mcp: serving MCP on stdio as ${actor} (store ${cairn.storeLocation})\n`);
  const stop = () => void session.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await session.closed;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  // Runs still in flight are released to recovery: `cairn resume`, or whichever process next acts on them.
  await cairn.close();
  return EXIT.ok;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}
