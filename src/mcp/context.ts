import type { Cairn, Role } from '../app/index.js';

/**
 * Who calls: over stdio the local user (full rights, named by `--as` or the OS user);
 * over HTTP an API key, with its name and role.
 */
export interface Principal {
  name: string;
  role: Role;
}

/** What the tools of one MCP server act with. */
export interface McpContext {
  cairn: Cairn;
  principal: Principal;
  transport: 'stdio' | 'http';
  version: string;
  /** Why new runs are refused right now (the server is shutting down), if they are. */
  refuseRuns?(): string | undefined;
  /** A workflow was stored: let triggers see it now. */
  catalogChanged?(): void;
  /** Failures that are not the caller's fault (the caller gets a short INTERNAL answer). */
  onError?(err: unknown): void;
}
