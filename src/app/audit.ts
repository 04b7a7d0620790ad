import { hostname } from 'node:os';
import type { Store } from '../store/store.js';
import type { AuditEntry } from '../store/operations.js';
import { parseSince } from '../insight/analytics-since.js';
import { openStore } from '../store/open.js';
import { storeLocationOf } from './backup.js';
import { auditedCommand } from './audited-commands.js';
import { currentUser } from './current-user.js';
import { CairnError } from './errors.js';

/*
 * The audit trail (docs/audit.md): every state-changing action, who did it (an API key's
 * name, the OS user of the CLI, an MCP client) and from where (`api <ip>`, `cli <host>`,
 * `mcp <transport>`). Front doors record after an action succeeded, in one vocabulary.
 */

export interface Actor {
  name: string;
  origin: string;
}

export type { AuditEntry } from '../store/operations.js';

/** The person at this terminal. */
export function cliActor(): Actor {
  return { name: currentUser(), origin: `cli ${hostname()}` };
}

/** The scheduler, for a run a workflow's cron trigger started on this host. */
export function cronActor(workflowId: string): Actor {
  return { name: `cron:${workflowId}`, origin: `cron ${hostname()}` };
}

/** API operations (OpenAPI operationId) and MCP tools, as audit actions. Absent: not a change. */
const ACTIONS: Record<string, string> = {
  // API
  executeWorkflow: 'run.start',
  acceptHook: 'run.start',
  cancelExecution: 'run.cancel',
  pauseExecution: 'run.pause',
  unpauseExecution: 'run.unpause',
  retryExecution: 'run.retry',
  rollbackExecution: 'run.rollback',
  approveStep: 'step.approve',
  completeStep: 'task.complete',
  signalStep: 'run.signal',
  signalExecution: 'run.signal',
  createTemplate: 'definition.create',
  addMemory: 'memory.add',
  createKey: 'key.create',
  revokeKey: 'key.revoke',
  createWebhook: 'webhook.create',
  deleteWebhook: 'webhook.delete',
  setSecret: 'secret.set',
  deleteSecret: 'secret.delete',
  // MCP
  workflow_execute: 'run.start',
  workflow_cancel: 'run.cancel',
  workflow_rollback: 'run.rollback',
  workflow_retry: 'run.retry',
  workflow_approve: 'step.approve',
  workflow_step_complete: 'task.complete',
  workflow_create: 'definition.create',
};

/**
 * The audit action of an API operation or MCP tool call, or undefined when it changes
 * nothing (reads, validation, a dry run). A refusal of an approval is `step.reject`.
 */
export function auditAction(operation: string, input: unknown): string | undefined {
  const action = ACTIONS[operation];
  if (action === undefined) return undefined;
  const fields = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  if (fields['dry_run'] === true || fields['dryRun'] === true) return undefined;
  if (action === 'step.approve' && (fields['approve'] === false || fields['decision'] === 'reject' || fields['reject'] === true)) return 'step.reject';
  return action;
}

export class Audit {
  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Record an action that happened. A failure to record is reported, never thrown: the action is done. */
  async record(actor: Actor, action: string, target?: string, details?: Record<string, unknown>): Promise<void> {
    try {
      await this.store.addAudit({ at: Date.now(), actor: actor.name, origin: actor.origin, action, ...(target !== undefined ? { target } : {}), ...(details ? { details } : {}) });
    } catch (err) {
      this.onError(err);
    }
  }

  /** Newest first. `since` is a duration back from now (1h, 7d) or a date; USAGE when it is neither. */
  async list(query: { since?: string; actor?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    let since: number | undefined;
    if (query.since !== undefined) {
      const parsed = parseSince(query.since, Date.now());
      if ('error' in parsed) throw new CairnError('USAGE', `--since: ${parsed.error}`);
      since = parsed.at;
    }
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CairnError('USAGE', `limit must be a whole number from 1 to 10000, not ${String(query.limit)}`);
    return this.store.listAudit({ limit, ...(since !== undefined ? { since } : {}), ...(query.actor ? { actor: query.actor } : {}) });
  }
}

/**
 * Record a CLI command that succeeded, as the OS user on this host. `command` is its
 * name (`approve`, `keys revoke`); options say more (`--reject`, `--as`). Never throws.
 */
export async function recordCliCommand(
  command: string,
  args: string[],
  options: Record<string, unknown>,
  where: { db?: string; config?: string; cwd?: string; env?: NodeJS.ProcessEnv },
  at: number,
  onError: (err: unknown) => void,
): Promise<void> {
  const action = auditedCommand(command, options);
  if (action === undefined) return;
  try {
    const store = await openStore(await storeLocationOf(where));
    try {
      const actor = cliActor();
      const details: Record<string, unknown> = {};
      if (typeof options['as'] === 'string') details['as'] = options['as'];
      if (typeof options['reason'] === 'string') details['reason'] = options['reason'];
      if (args.length > 1) details['args'] = args.slice(1);
      await store.addAudit({ at, actor: actor.name, origin: actor.origin, action, ...(args[0] !== undefined ? { target: args[0] } : {}), ...(Object.keys(details).length > 0 ? { details } : {}) });
    } finally {
      await store.close();
    }
  } catch (err) {
    onError(err);
  }
}
