import { parseDefinition } from '../definition/index.js';
import type { Run, Workflow } from '../engine/types.js';
import type { Store } from '../store/store.js';
import { TriggerError } from '../triggers/errors.js';
import { acceptHook, resolveSecret, type Environment, type Headers } from '../triggers/hook.js';
import { CronScheduler, type CronCursors, type CronFire, type TriggeredWorkflow } from '../triggers/scheduler.js';
import { CairnError } from './errors.js';

/** A run a trigger asks for: the newest stored definition of the workflow, once per start key. */
export interface TriggerStartRequest {
  workflowId: string;
  parameters: Record<string, unknown>;
  startKey: string;
  /** `cron` or `webhook`. */
  startedBy: string;
}

export interface StoredWorkflow {
  workflowId: string;
  workflow: Workflow;
}

export interface TriggersDeps {
  /** Start a run (Cairn.startWorkflow): a start key already used returns that run with `duplicate: true`. */
  start(req: TriggerStartRequest): Promise<{ run: Run; duplicate: boolean }>;
  /** The newest stored definition of every workflow id, parsed. */
  workflows(): Promise<StoredWorkflow[]>;
  /** The newest stored definition of one workflow id, parsed; undefined when there is none. */
  workflow(workflowId: string): Promise<Workflow | undefined>;
  /** Where cron triggers record their last fire (the store). */
  cursors: CronCursors;
  /** Where webhook secrets (`${env:NAME}`) are read. */
  env: Environment;
  /** Look for new and changed definitions this often (default 60 s; 0: only when `reload()` is called). */
  reloadEveryMs?: number;
  /** After each cron fire, with what `start` returned. */
  onFire?(fire: CronFire, result: unknown): void;
  /** A fire that failed, a definition that cannot be scheduled, a reload that failed. */
  onError?(err: unknown, where: Record<string, unknown>): void;
}

const DEFAULT_RELOAD_MS = 60_000;

/**
 * The triggers of stored workflows, for `cairn serve`: cron schedules run in this process
 * and incoming webhooks start runs. Independent of the server: it calls `start()` and
 * `stop()` around its life, `reload()` when it stores a definition, and `hook()` for
 * `POST /api/v1/hooks/{workflow}`. See docs/triggers.md.
 */
export class Triggers {
  private readonly scheduler: CronScheduler;
  private interval: NodeJS.Timeout | undefined;
  /** Webhook triggers whose secret cannot be read, already reported (once, not every reload). */
  private secretProblems = new Set<string>();

  constructor(private readonly deps: TriggersDeps) {
    this.scheduler = new CronScheduler({
      cursors: deps.cursors,
      start: (req) => deps.start(req),
      ...(deps.onFire ? { onFire: deps.onFire } : {}),
      onError: (err, where) => this.report(err, { ...where }),
    });
  }

  /** Schedule the cron triggers of every stored workflow (making up for fires missed while stopped). */
  async start(): Promise<void> {
    await this.reload();
    const every = this.deps.reloadEveryMs ?? DEFAULT_RELOAD_MS;
    if (every > 0 && !this.interval) {
      this.interval = setInterval(() => void this.reload().catch((err: unknown) => this.report(err, { during: 'reload' })), every);
      this.interval.unref();
    }
  }

  /** Read the stored definitions again: new cron triggers start, changed ones restart, removed ones stop. */
  async reload(): Promise<void> {
    const workflows = await this.deps.workflows();
    const triggered: TriggeredWorkflow[] = workflows.filter((w) => w.workflow.triggers?.length).map((w) => ({ workflowId: w.workflowId, triggers: w.workflow.triggers ?? [] }));
    this.checkSecrets(triggered);
    await this.scheduler.schedule(triggered);
  }

  /** Say at once (not at the first message) when a webhook trigger's secret is not set here. */
  private checkSecrets(workflows: readonly TriggeredWorkflow[]): void {
    const problems = new Set<string>();
    for (const { workflowId, triggers } of workflows) {
      triggers.forEach((trigger, index) => {
        if (trigger.kind !== 'webhook') return;
        const secret = resolveSecret(trigger.secret, this.deps.env);
        if (secret.ok) return;
        const key = `${workflowId}\u0000${index}\u0000${secret.reason}`;
        problems.add(key);
        if (!this.secretProblems.has(key)) {
          this.report(new CairnError('CONFIG_INVALID', `the webhook trigger ${index} of workflow '${workflowId}' cannot check signatures: ${secret.reason}`, { workflow: workflowId }), { workflowId, triggerIndex: index });
        }
      });
    }
    this.secretProblems = problems;
  }

  /** Stop every schedule and wait for fires in flight. */
  async stop(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    this.interval = undefined;
    await this.scheduler.stop();
  }

  /** The cron triggers scheduled now, with their next fire time (ms). */
  scheduled(): ReturnType<CronScheduler['list']> {
    return this.scheduler.list();
  }

  /**
   * An incoming webhook for a workflow: checked against the webhook triggers of its newest
   * stored definition, then a run starts with the parameters mapped from the body. The
   * same message (webhook-id) again returns the first run with `duplicate: true`.
   * Throws CairnError TRIGGER_NOT_FOUND, SIGNATURE_INVALID, CONFIG_INVALID, USAGE or
   * PARAMETER_INVALID (and whatever starting the run throws).
   */
  async hook(workflowId: string, headers: Headers, rawBody: string): Promise<{ run: Run; duplicate: boolean }> {
    const workflow = await this.deps.workflow(workflowId);
    // The same answer for "no such workflow" and "no webhook trigger": the caller is not yet
    // authenticated, so it learns nothing about which workflows exist.
    if (!workflow?.triggers?.some((t) => t.kind === 'webhook')) {
      throw new CairnError('TRIGGER_NOT_FOUND', `no workflow '${workflowId}' with a webhook trigger`, { workflow: workflowId });
    }
    try {
      const accepted = await acceptHook({ workflowId, triggers: workflow.triggers, headers, rawBody, env: this.deps.env });
      return await this.deps.start({ workflowId, parameters: accepted.parameters, startKey: accepted.startKey, startedBy: 'webhook' });
    } catch (err) {
      if (err instanceof TriggerError) throw new CairnError(err.code, err.message, err.details);
      throw err;
    }
  }

  private report(err: unknown, where: Record<string, unknown>): void {
    try {
      (this.deps.onError ?? ((e: unknown) => console.error('cairn triggers:', e)))(err, where);
    } catch {
      // A failing reporter must not stop the schedule.
    }
  }
}

/**
 * `workflows()` and `workflow(id)` over a store: the newest stored definition of each id,
 * parsed once per content hash. Definitions that no longer parse are left out.
 */
export function storedWorkflows(store: Pick<Store, 'listDefinitions' | 'findDefinition'>): Pick<TriggersDeps, 'workflows' | 'workflow'> {
  let parsed = new Map<string, Workflow | undefined>();
  const parse = (def: { hash: string; source: string; format: 'yaml' | 'json'; path?: string }, into: Map<string, Workflow | undefined>): Workflow | undefined => {
    const workflow = parsed.has(def.hash) ? parsed.get(def.hash) : parseDefinition(def.source, { format: def.format, ...(def.path ? { path: def.path } : {}) }).workflow;
    into.set(def.hash, workflow);
    return workflow;
  };
  return {
    async workflows() {
      const newest = new Map<string, Awaited<ReturnType<Store['listDefinitions']>>[number]>();
      // Oldest first: the last one of each id wins.
      for (const def of await store.listDefinitions()) newest.set(def.workflowId, def);
      const kept = new Map<string, Workflow | undefined>();
      const out: StoredWorkflow[] = [];
      for (const [workflowId, def] of newest) {
        const workflow = parse(def, kept);
        if (workflow) out.push({ workflowId, workflow });
      }
      parsed = kept;
      return out;
    },
    async workflow(workflowId) {
      const def = await store.findDefinition(workflowId);
      if (!def) return undefined;
      const workflow = parse(def, parsed);
      return workflow;
    },
  };
}
