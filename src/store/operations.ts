/*
 * What operating Cairn keeps beside runs (docs/secrets.md, docs/audit.md, retention in
 * docs/configuration.md): encrypted secrets, the audit trail, and what pruning removed.
 */

/** A secret as stored: `sealed` is opaque to the store (the application encrypts it). */
export interface StoredSecret {
  name: string;
  sealed: string;
  updatedAt: number;
  updatedBy?: string;
}

/** What may be shown of a secret: never its value. */
export type SecretListing = Omit<StoredSecret, 'sealed'>;

/** One state-changing action: who did it, from where, to what. */
export interface NewAuditEntry {
  at: number;
  /** An API key's name, the OS user of the CLI, an MCP client's name. */
  actor: string;
  /** `api 10.0.0.5`, `cli host-1`, `mcp stdio`. */
  origin: string;
  /** What was done: `run.start`, `step.approve`, `secret.set`, ... */
  action: string;
  /** What it was done to: a run id, a key name, a secret name. */
  target?: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
}

export interface AuditFilter {
  /** Only entries at or after this time (ms). */
  since?: number;
  actor?: string;
  /** Newest first, at most this many (default 100). */
  limit?: number;
}

/** What retention removes, or (dry run) would remove. */
export interface PruneRequest {
  /** Finished runs that finished before this time (ms), with everything they own. */
  runsBefore?: number;
  /** Log lines written before this time (ms), of finished runs. */
  logsBefore?: number;
  /** Audit entries recorded before this time (ms). */
  auditBefore?: number;
  dryRun?: boolean;
}

export interface PruneCounts {
  runs: number;
  logs: number;
  audit: number;
}
