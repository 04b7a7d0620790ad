import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinActions } from '../actions/registry.js';
import type { Action } from '../actions/action.js';
import { loadDefinitionFile, parseDefinition, planWorkflow, type Diagnostic, type ParsedDefinition, type Plan, type ValidationLevel } from '../definition/index.js';
import { retryProblem } from '../engine/retry.js';
import { replay } from '../engine/replay.js';
import { runCreatedEvent, type RunState } from '../engine/state.js';
import { TERMINAL_RUN_STATUSES, type RunEvent, type RunStatus, type Note, type NoteHit, type OpenTask, type RollbackStrategy, type Run, type Workflow } from '../engine/types.js';
import type { LiveListener } from '../runtime/live.js';
import { Runtime } from '../runtime/runtime.js';
import { defaultStoreLocation, openStore } from '../store/open.js';
import { StoreError, type LockHold, type LockWaiter, type LogLine, type RunFilter, type Store, type StoredDefinition } from '../store/store.js';
import { isOwnerDead } from '../runtime/owner.js';
import { CairnError } from './errors.js';
import { resolveParameters } from './parameters.js';
import { prepareRun } from './new-run.js';
import { checkDefinition } from './validate.js';
import { applyConfig } from './named-commands.js';
import { loadSettings } from './settings.js';
import type { Config } from '../config/index.js';
import type { DeliveryDeps } from './delivery.js';
import { startChildRun, type ChildHost } from './children.js';
import { currentUser } from './current-user.js';
import { approveStep, completeTask, openTasks, sendSignal, setPaused } from './interactions.js';
import { compensationsOf, rollbackPoints, rollbackRun, type CompensationResult, type RollbackReport } from './rollbacks.js';
import type { RunAccess, RunView } from './run-access.js';
import { AccessKeys } from './access-keys.js';
import { Catalog } from './catalog.js';
import { storedRevision } from './revision.js';
import { EventStream } from './event-stream.js';
import { readAnalytics, type AnalyticsQuery, type AnalyticsReport } from './analytics.js';
import { Webhooks, type WebhookOptions } from './webhooks.js';
import { storedWorkflows, Triggers, type TriggersDeps } from './triggers.js';
import type { BreakerState } from '../actions/breakers.js';
import { McpClients } from '../actions/mcp-clients.js';
import { networkPolicy } from './network-policy.js';
import { admitRun } from './limits.js';
import type { BulkheadState } from '../runtime/bulkheads.js';
import { isTemplateRef, templatePath } from './templates.js';
import { Secrets } from './secrets.js';
import { Audit, cronActor } from './audit.js';
import { Retention } from './retention.js';
import { backupStore, type BackupReport } from './backup.js';
import { listNodes, waitingTasks, type NodeView, type WaitingTask } from './nodes.js';
import { startWorker, type RunningWorker, type WorkerRequest } from './worker.js';

/** A node silent for this long is shown as gone (heartbeats come every few seconds). */
const NODE_STALE_MS = 30_000;

export interface CairnOptions {
  /** Store location: a SQLite file path (default `.cairn/cairn.db`, or `CAIRN_DB`). */
  db?: string;
  /** A configuration file (default: `cairn.yaml` in `cwd`, if there is one). */
  config?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** SQLite `synchronous` setting (default `normal`; see docs/durability.md). */
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  leaseMs?: number;
  onError?(err: unknown): void;
  /** Cairn's version, shown for this process by `cairn nodes`. */
  version?: string;
}

export interface ValidationReport {
  file: string;
  level: ValidationLevel;
  valid: boolean;
  diagnostics: Diagnostic[];
  workflow?: Workflow;
  plan?: Plan;
}

export interface StartWorkflowRequest {
  workflowId: string;
  parameters?: Record<string, unknown>;
  startedBy?: string;
  /** Starting twice with one key starts one run: the second call returns the first run. */
  startKey?: string;
  /** A stored revision (1, 2, ...) instead of the newest. */
  revision?: number;
}

export interface StartRunRequest {
  file: string;
  parameters?: Record<string, unknown>;
  startedBy?: string;
  /** Create the run and hand it to a background process instead of running it here. */
  detach?: boolean;
}

export interface LocksView {
  holders: Array<LockHold & { stale: boolean }>;
  waiters: LockWaiter[];
}

/**
 * The application API: the one thing front doors (CLI, later the server, MCP and the
 * dashboard) call. It owns the store and, when something must run, the runtime.
 */
export class Cairn {
  private runtime: Runtime | undefined;
  private runtimeStarting: Promise<Runtime> | undefined;
  private readonly workflows = new Map<string, Workflow>();
  /** Steps run in the directory of their definition file, by definition hash. */
  private readonly workdirs = new Map<string, string>();
  private readonly actions: Map<string, Action> = builtinActions();
  private stream: EventStream | undefined;
  /** Stored definitions that passed validation here, by hash (a body never changes). */
  private readonly checked = new Map<string, Workflow>();
  /** The parallel groups of each definition's plan, by hash. */
  private readonly groups = new Map<string, string[][]>();
  /** What the modules acting on runs (interactions.ts, rollbacks.ts) need of this object. */
  private readonly access: RunAccess;
  /** API keys for `cairn serve`. */
  readonly keys: AccessKeys;
  /** Stored workflows by id, with revisions. */
  readonly catalog: Catalog;
  /** `${{ secrets.NAME }}` values: environment, secrets file, or sealed in the store (docs/secrets.md). */
  readonly secrets: Secrets;
  /** Who did what, from where (docs/audit.md). */
  readonly audit: Audit;
  /** How long finished runs, logs and audit entries are kept (`retention:`, `cairn prune`). */
  readonly retention: Retention;
  /** Pooled connections to the configured MCP servers: validation asks them, `mcp` steps call them. */
  private readonly mcp: McpClients;

  private constructor(
    readonly store: Store,
    readonly config: Config,
    private readonly options: CairnOptions,
  ) {
    this.keys = new AccessKeys(store);
    this.secrets = new Secrets(store, { env: options.env ?? process.env, ...config.secrets });
    this.audit = new Audit(store, (err) => (options.onError ?? console.error)(err));
    this.retention = new Retention(store, config.retention, (err) => (options.onError ?? console.error)(err));
    this.access = {
      store,
      config,
      resolveRunId: (idOrPrefix) => this.resolveRunId(idOrPrefix),
      stateOf: (id) => this.stateOf(id),
      getRun: (idOrPrefix) => this.getRun(idOrPrefix),
      runtime: () => this.runtime,
      delivery: () => this.deliveryDeps(),
    };
    this.mcp = new McpClients(config.mcpServers, { breaker: config.circuitBreaker });
    this.catalog = new Catalog({ store, check: (parsed, file) => this.check(parsed, file, 'standard') });
  }

  static async open(options: CairnOptions = {}): Promise<Cairn> {
    const cwd = options.cwd ?? process.cwd();
    const env = options.env ?? process.env;
    const config = await loadSettings({
      cwd,
      env,
      ...(options.config ? { configPath: options.config } : {}),
      flags: { ...(options.db ? { db: options.db } : {}), ...(options.synchronous ? { synchronous: options.synchronous } : {}) },
    });
    const location = config.store.path ?? defaultStoreLocation(env, cwd);
    try {
      const store = await openStore(location, config.store.synchronous ? { synchronous: config.store.synchronous } : {});
      // `db` keeps the location as given (a PostgreSQL URL with its password), for children.
      return new Cairn(store, config, { ...options, cwd, db: location });
    } catch (err) {
      throw asCairnError(err);
    }
  }

  get storeLocation(): string {
    return this.store.location;
  }

  /** Parse and check a definition given as text (an API body). Never throws for bad input. */
  async validateText(text: string, opts: { format?: 'yaml' | 'json'; level?: ValidationLevel; label?: string } = {}): Promise<ValidationReport> {
    const parsed = parseDefinition(text, opts.format ? { format: opts.format } : {});
    return this.check(parsed, opts.label ?? 'definition', opts.level ?? this.config.defaults.validationLevel);
  }

  /** Figures from the event log of the newest runs (docs/analytics.md). Throws CairnError USAGE for a bad `since` or `limit`. */
  analytics(query: AnalyticsQuery = {}): Promise<AnalyticsReport> {
    return readAnalytics(this.store, query);
  }

  /** How many runs are in each status. */
  countRuns(): Promise<Partial<Record<RunStatus, number>>> {
    return this.store.countRuns();
  }

  /** A run's events in order, after a sequence number. */
  async runEvents(idOrPrefix: string, afterSeq = 0): Promise<RunEvent[]> {
    return this.store.readEvents(await this.resolveRunId(idOrPrefix), afterSeq);
  }

  /** Parse and check a definition file at a validation level. Never throws for bad input. */
  async validate(file: string, level: ValidationLevel = 'standard'): Promise<ValidationReport> {
    const parsed = await loadDefinitionFile(this.path(file));
    return this.check(parsed, file, level);
  }

  async startRun(req: StartRunRequest): Promise<Run> {
    const parsed = await loadDefinitionFile(this.path(req.file));
    const report = await this.check(parsed, req.file, 'standard');
    const workflow = report.workflow;
    if (!report.valid || !workflow) {
      throw new CairnError('DEFINITION_INVALID', `${req.file} is not a valid workflow`, { diagnostics: report.diagnostics });
    }
    const parameters = resolveParameters(workflow.parameters, req.parameters ?? {});
    await admitRun(this.store, this.config.limits, parameters);
    const run = await prepareRun(this.store, parsed, workflow, parameters, { path: this.path(req.file), startedBy: req.startedBy ?? currentUser() });
    this.workflows.set(parsed.hash, workflow);
    if (req.detach) {
      await this.store.createRun(run, [runCreatedEvent(run)]);
      this.spawnResume(run.id);
      return run;
    }
    const runtime = await this.ensureRuntime();
    await runtime.startRun(run, workflow);
    return runtime.snapshot(run.id) ?? run;
  }

  /**
   * Start the newest stored revision of a workflow id in this process. With a start key,
   * a second start returns the run the first one created (`duplicate: true`).
   */
  async startWorkflow(req: StartWorkflowRequest): Promise<{ run: Run; duplicate: boolean }> {
    if (req.startKey !== undefined) {
      const existing = await this.store.findRunByStartKey(req.startKey);
      if (existing) return { run: existing, duplicate: true };
    }
    const stored = isTemplateRef(req.workflowId)
      ? await this.templateDefinition(req.workflowId)
      : req.revision === undefined
        ? await this.catalog.newestStored(req.workflowId)
        : await storedRevision(this.store, req.workflowId, req.revision);
    // A stored body never changes: check it once per process, not on every start.
    let workflow = this.checked.get(stored.hash);
    if (!workflow) {
      const parsed = this.catalog.parse(stored);
      const report = await this.check(parsed, stored.path ?? req.workflowId, 'standard');
      if (!report.valid || !report.workflow) throw new CairnError('DEFINITION_INVALID', `stored workflow '${req.workflowId}' is not valid`, { diagnostics: report.diagnostics });
      workflow = report.workflow;
      this.checked.set(stored.hash, workflow);
    }
    const parameters = resolveParameters(workflow.parameters, req.parameters ?? {});
    await admitRun(this.store, this.config.limits, parameters);
    const run = await prepareRun(this.store, stored, workflow, parameters, { startedBy: req.startedBy ?? currentUser(), definitionStored: true });
    this.workflows.set(stored.hash, workflow);
    if (!stored.path) this.workdirs.set(stored.hash, this.options.cwd ?? process.cwd());
    const runtime = await this.ensureRuntime();
    try {
      await runtime.startRun(run, workflow, req.startKey !== undefined ? { startKey: req.startKey } : {});
    } catch (err) {
      // Another process started it between the look-up and the insert.
      if (err instanceof StoreError && err.code === 'STORE_DUPLICATE' && req.startKey !== undefined) {
        const existing = await this.store.findRunByStartKey(req.startKey);
        if (existing) return { run: existing, duplicate: true };
      }
      throw asCairnError(err);
    }
    return { run: runtime.snapshot(run.id) ?? run, duplicate: false };
  }

  /** A built-in template (`template:NAME`) as a stored definition, storing it on first use. */
  private async templateDefinition(ref: string): Promise<StoredDefinition> {
    const path = templatePath(ref);
    const parsed = await loadDefinitionFile(path);
    const def: StoredDefinition = {
      hash: parsed.hash,
      workflowId: parsed.workflow?.id ?? ref,
      version: parsed.workflow?.version ?? '1',
      source: parsed.source,
      format: parsed.format,
      path,
      createdAt: Date.now(),
    };
    await this.store.putDefinition(def);
    return def;
  }

  /** Every committed event in order, live, from any process sharing the store (started on first use). */
  async events(): Promise<EventStream> {
    if (!this.stream) {
      this.stream = new EventStream(this.store, { onError: (err) => (this.options.onError ?? console.error)(err) });
      await this.stream.start();
    }
    return this.stream;
  }

  /** Carry on with runs left in flight (all of them, or the ones named). */
  async resume(runIds?: string[]): Promise<string[]> {
    const runtime = await this.ensureRuntime();
    return runtime.resume(runIds ? { runIds } : {});
  }

  /** Resolves when the run finishes in this process (undefined if this process lets it go). */
  waitFor(runId: string): Promise<Run | undefined> {
    return this.runtime ? this.runtime.waitFor(runId) : this.store.getRun(runId);
  }

  /** Resolves when this process has no runs left to carry. */
  async idle(): Promise<void> {
    await this.runtime?.idle();
  }

  subscribe(listener: LiveListener): () => void {
    if (!this.runtime) throw new Error('subscribe needs a started runtime: start or resume a run first');
    return this.runtime.live.subscribe(listener);
  }

  async ensureRuntime(): Promise<Runtime> {
    if (this.runtime) return this.runtime;
    // Calls racing here (several startRun at once) share one runtime: each would otherwise
    // register an owner and hold runs that waitFor, on the last one, cannot see.
    this.runtimeStarting ??= this.startRuntime().finally(() => (this.runtimeStarting = undefined));
    return this.runtimeStarting;
  }

  private async startRuntime(): Promise<Runtime> {
    const runtime = new Runtime({
      store: this.store,
      actions: this.actions,
      workflowFor: (hash) => this.workflowFor(hash),
      workdirFor: (run) => this.workdirs.get(run.definitionHash) ?? this.options.cwd ?? process.cwd(),
      channel: (name) => this.config.notify.channels[name],
      pools: this.config.pools,
      concurrency: this.config.concurrency,
      breakers: this.config.circuitBreaker,
      mcp: this.mcp,
      secrets: this.secrets,
      network: networkPolicy(this.config.network),
      limits: { maxOutputBytes: this.config.limits.maxOutputBytes, maxLogBytesPerStep: this.config.limits.maxLogBytesPerStep },
      node: { kind: 'engine', version: this.options.version ?? 'unknown' },
      startChild: (req) => startChildRun(this.childHost(), req),
      cancelChild: (runId, reason) => this.cancelChild(runId, reason),
      ...(this.options.leaseMs ? { leaseMs: this.options.leaseMs } : {}),
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
    await runtime.start();
    // Events this process commits reach live streams at once, not at the next poll.
    runtime.live.subscribe((message) => {
      if (message.kind === 'event') this.stream?.wake();
    });
    this.runtime = runtime;
    return runtime;
  }

  async resolveRunId(idOrPrefix: string): Promise<string> {
    const ids = await this.store.findRunIds(idOrPrefix, 10);
    if (ids.length === 0) throw new CairnError('RUN_NOT_FOUND', `no run '${idOrPrefix}' in ${this.store.location}`, { run: idOrPrefix });
    if (ids.length > 1 && !ids.includes(idOrPrefix)) {
      throw new CairnError('RUN_AMBIGUOUS', `'${idOrPrefix}' matches several runs: ${ids.join(', ')}; give more characters`, { matches: ids });
    }
    return ids.includes(idOrPrefix) ? idOrPrefix : (ids[0] as string);
  }

  async getRun(idOrPrefix: string): Promise<RunView> {
    // A full id (what scripts and the API send) needs no prefix search.
    const exact = this.runtime?.snapshot(idOrPrefix) ?? (await this.store.getRun(idOrPrefix));
    const id = exact ? idOrPrefix : await this.resolveRunId(idOrPrefix);
    // The run and its steps as of one commit, though the runtime may be writing meanwhile.
    const read = async () => {
      const run = this.runtime?.snapshot(id) ?? exact ?? (await this.store.getRun(id));
      return { run, steps: await this.store.getSteps(id) };
    };
    const { run, steps } = this.runtime ? await this.runtime.consistentRead(read) : await read();
    if (!run) throw new CairnError('RUN_NOT_FOUND', `no run '${idOrPrefix}'`, { run: idOrPrefix });
    try {
      const workflow = await this.workflowFor(run.definitionHash);
      let groups = this.groups.get(run.definitionHash);
      if (!groups) this.groups.set(run.definitionHash, (groups = planWorkflow(workflow).groups));
      return { run, steps, groups, workflow };
    } catch {
      return { run, steps, groups: [steps.filter((s) => s.index === undefined).map((s) => s.stepId)] };
    }
  }

  listRuns(filter: RunFilter = {}): Promise<Run[]> {
    return this.store.listRuns(filter);
  }

  async logs(runId: string, opts: { step?: string; afterId?: number; limit?: number } = {}): Promise<LogLine[]> {
    return this.store.readLogs(runId, opts);
  }

  /**
   * Cancel a run wherever it runs: here directly; in another live process through a
   * request it picks up within a moment; if nobody holds it, this process takes it over
   * and records the cancellation itself.
   */
  async cancel(idOrPrefix: string, opts: { by?: string; reason?: string } = {}): Promise<Run> {
    const id = await this.resolveRunId(idOrPrefix);
    const run = await this.store.getRun(id);
    if (!run) throw new CairnError('RUN_NOT_FOUND', `no run '${idOrPrefix}'`);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) {
      throw new CairnError('RUN_FINISHED', `run ${id} already ${run.status}; nothing to cancel`, { status: run.status });
    }
    const by = opts.by ?? currentUser();
    const reason = opts.reason ?? `cancelled by ${by}`;
    if (this.runtime?.holds(id)) {
      this.runtime.submit(id, { type: 'cancel', by, reason });
      return (await this.runtime.waitFor(id)) ?? run;
    }
    await this.store.addRequest({ runId: id, type: 'cancel', data: { reason }, by });
    const runtime = await this.ensureRuntime();
    const taken = await runtime.resume({ runIds: [id] });
    if (taken.includes(id)) return (await runtime.waitFor(id)) ?? run;
    // Another live process holds it: it drains the request on its next poll.
    for (let i = 0; i < 100; i++) {
      const now = await this.store.getRun(id);
      if (now && TERMINAL_RUN_STATUSES.includes(now.status)) return now;
      await new Promise((r) => setTimeout(r, 100));
    }
    return (await this.store.getRun(id)) ?? run;
  }

  /** A `workflow` step was cancelled or timed out: its child run goes, wherever it runs. */
  private async cancelChild(runId: string, reason: string): Promise<void> {
    const parent = (await this.store.getRun(runId))?.parent;
    const by = parent ? `run ${parent.runId}` : undefined;
    await this.cancel(runId, { reason, ...(by ? { by } : {}) }).catch(ignoreFinished);
  }

  /** What starting a sub-workflow's run needs of this application (children.ts). */
  private childHost(): ChildHost {
    return {
      store: this.store,
      actions: this.actions,
      config: this.config,
      remember: (hash, workflow, dir) => {
        this.workflows.set(hash, workflow);
        this.workdirs.set(hash, dir);
      },
      runtime: () => this.ensureRuntime(),
      mcp: this.mcp,
    };
  }

  /** Tasks and approvals waiting for someone: of one run, or of every unfinished run. */
  openTasks(idOrPrefix?: string): Promise<OpenTask[]> {
    return openTasks(this.access, idOrPrefix);
  }

  /** Complete a waiting task with its output (checked against the task's output_schema). */
  complete(idOrPrefix: string, step: string, opts: { output?: Record<string, unknown>; by?: string } = {}): Promise<RunView> {
    return completeTask(this.access, idOrPrefix, step, opts);
  }

  /** Approve (or reject) a waiting approval as `by`. */
  approve(idOrPrefix: string, step: string, opts: { approve?: boolean; comment?: string; by?: string } = {}): Promise<RunView> {
    return approveStep(this.access, idOrPrefix, step, opts);
  }

  /** Send a signal to a run; `wait` steps with `signal: NAME` receive it (kept if none waits yet). */
  signal(idOrPrefix: string, name: string, opts: { data?: unknown; by?: string } = {}): Promise<RunView> {
    return sendSignal(this.access, idOrPrefix, name, opts);
  }

  /** Stop starting new steps (running ones finish), or start again. */
  pause(idOrPrefix: string, opts: { by?: string; resume?: boolean } = {}): Promise<RunView> {
    return setPaused(this.access, idOrPrefix, opts);
  }

  /**
   * Roll a run back: compensate its completed steps (those with a `rollback`), most recent
   * first. `manual` runs nothing and returns the ordered plan for a person. A finished run
   * can be rolled back too. Resolves when the rollback has finished (unless `wait: false`).
   */
  rollback(idOrPrefix: string, opts: { strategy?: RollbackStrategy | 'manual'; to?: string; by?: string; reason?: string; wait?: boolean } = {}): Promise<RollbackReport> {
    return rollbackRun(this.access, idOrPrefix, opts);
  }

  /** The steps a `checkpoint` rollback can go back to: succeeded steps marked `checkpoint: true`. */
  rollbackPoints(idOrPrefix: string): Promise<Array<{ step: string; finishedAt?: number; undone: string[] }>> {
    return rollbackPoints(this.access, idOrPrefix);
  }

  /** Each compensation of a run's rollback with its result, in the order they ran. */
  compensations(id: string): Promise<CompensationResult[]> {
    return compensationsOf(this.access, id);
  }

  /**
   * Who holds which lock or pool slot, and who waits (in queue order). A hold whose owner
   * is gone is marked `stale`: the next step that wants the lock takes it over.
   */
  /** Engine nodes and workers sharing this store (docs/cluster.md). */
  nodes(): Promise<NodeView[]> {
    return listNodes(this.store, NODE_STALE_MS);
  }

  /** Steps of a run (or of all runs) queued for a worker, each saying whether a live worker could take it. */
  async waitingForWorkers(runId?: string): Promise<WaitingTask[]> {
    return waitingTasks(this.store, await this.nodes(), runId);
  }

  /** Run steps for the engine nodes sharing this store (`cairn worker`), until stopped. */
  startWorker(req: WorkerRequest): Promise<RunningWorker> {
    return startWorker({ store: this.store, config: this.config, cwd: this.options.cwd ?? process.cwd(), onError: this.options.onError ?? ((err) => console.error('cairn worker:', err)) }, req);
  }

  async locks(): Promise<LocksView> {
    const table = await this.store.listLocks();
    const owners = new Map((await this.store.listOwners()).map((o) => [o.id, o]));
    const now = Date.now();
    const gone = (h: LockHold) => {
      const owner = owners.get(h.ownerId);
      return owner === undefined || h.expiresAt < now || isOwnerDead(owner);
    };
    return { holders: table.holders.map((h) => ({ ...h, stale: gone(h) })), waiters: table.waiters };
  }

  /**
   * Run a failed or cancelled run again from the steps that did not succeed (or from
   * `step`), in this process: the succeeded steps keep their outputs and do not run again.
   */
  async retry(idOrPrefix: string, opts: { step?: string; by?: string } = {}): Promise<Run> {
    const id = await this.resolveRunId(idOrPrefix);
    const state = await this.stateOf(id);
    const problem = retryProblem(state, opts.step);
    if (problem) throw new CairnError('RETRY_REFUSED', `cannot retry run ${id}: ${problem}`, { run: id });
    const run = await this.store.getRun(id);
    if (!run) throw new CairnError('RUN_NOT_FOUND', `no run '${id}'`);
    // A finished run has no owner: open it and take it here.
    await this.store.commit([{ runId: id, events: [], steps: [], run: { ...run, status: 'queued' } }]);
    const lease = await this.store.getLease(id);
    if (lease) await this.store.releaseRun(id, lease.ownerId);
    const runtime = await this.ensureRuntime();
    if (!(await runtime.resume({ runIds: [id] })).includes(id)) throw new CairnError('RETRY_REFUSED', `run ${id} is being retried by another process`);
    runtime.submit(id, { type: 'retry', ...(opts.step ? { step: opts.step } : {}), by: opts.by ?? currentUser() });
    return runtime.snapshot(id) ?? run;
  }

  /** Add a note to Cairn's memory (what `remember` steps do). */
  remember(note: { text: string; category?: string; tags?: string[]; by?: string }): Promise<Note> {
    if (note.text.trim() === '') throw new CairnError('USAGE', 'a note needs some text');
    return this.store.addNote({ text: note.text, tags: note.tags ?? [], ...(note.category ? { category: note.category } : {}), createdBy: note.by ?? currentUser() });
  }

  /** Full-text search over the notes, best first (what `recall` steps do). */
  recall(query: string, opts: { limit?: number; category?: string } = {}): Promise<NoteHit[]> {
    return this.store.searchNotes(query, opts);
  }

  /** The circuit breakers of `http` steps' hosts in this process (none before a run started here). */
  breakers(): BreakerState[] {
    // MCP servers have breakers of their own, listed as `mcp:<server>`.
    const mcp = this.mcp.breakerStates().map(({ server, ...rest }) => ({ host: `mcp:${server}`, ...rest }));
    return [...(this.runtime?.breakers.list() ?? []), ...mcp];
  }

  /** The per-command concurrency limits of this process and their use. */
  bulkheads(): BulkheadState[] {
    return this.runtime?.bulkheads.list() ?? [];
  }

  /** The workflow a run executes (for labels), or undefined when it is not known. */
  async workflowOf(runId: string): Promise<Workflow | undefined> {
    const run = await this.store.getRun(runId);
    return run ? this.workflowFor(run.definitionHash).catch(() => undefined) : undefined;
  }

  /**
   * Cron and webhook triggers of the stored workflows (docs/triggers.md); `start` it to
   * schedule. A run cron starts is audited here, once, by the process that created it;
   * webhook calls are audited by the API like any other request.
   */
  triggers(options: Pick<TriggersDeps, 'onFire' | 'onError' | 'reloadEveryMs'> = {}): Triggers {
    return new Triggers({
      ...storedWorkflows(this.store),
      start: async (req) => {
        const started = await this.startWorkflow(req);
        if (req.startedBy === 'cron' && !started.duplicate) {
          await this.audit.record(cronActor(req.workflowId), 'run.start', started.run.id, { workflow: req.workflowId, start_key: req.startKey });
        }
        return started;
      },
      cursors: this.store,
      env: this.options.env ?? process.env,
      ...options,
    });
  }

  /** Outgoing webhooks over this store (docs/webhooks.md); `start` it to send. */
  webhooks(options: WebhookOptions = {}): Webhooks {
    return new Webhooks(this.store, options);
  }

  /** Copy the store into `file` while it is in use (SQLite; PostgreSQL: BACKUP_REFUSED with pg_dump guidance). */
  backup(file: string, opts: { force?: boolean } = {}): Promise<BackupReport> {
    return backupStore(this.options.db ?? this.store.location, file, { ...opts, ...(this.options.cwd ? { cwd: this.options.cwd } : {}) });
  }

  /** Graceful shutdown: no new steps; running ones get up to `graceMs` to finish; then close. */
  async drain(graceMs: number): Promise<void> {
    this.retention.stop();
    this.stream?.stop();
    await this.runtime?.drain(graceMs);
    this.runtime = undefined;
    await this.mcp.close();
    await this.store.close();
  }

  async close(): Promise<void> {
    this.retention.stop();
    this.stream?.stop();
    await this.runtime?.stop();
    this.runtime = undefined;
    await this.mcp.close();
    await this.store.close();
  }


  /** The run's engine state, rebuilt from its events. */
  private async stateOf(id: string): Promise<RunState> {
    const run = await this.store.getRun(id);
    if (!run) throw new CairnError('RUN_NOT_FOUND', `no run '${id}'`);
    return replay(run, await this.workflowFor(run.definitionHash), await this.store.readEvents(id));
  }

  private deliveryDeps(): DeliveryDeps {
    return { store: this.store, runtime: this.runtime, spawnResume: (runId) => this.spawnResume(runId) };
  }

  private async workflowFor(hash: string): Promise<Workflow> {
    const cached = this.workflows.get(hash);
    if (cached) return cached;
    const def = await this.store.getDefinition(hash);
    if (!def) throw new CairnError('DEFINITION_NOT_FOUND', `the definition ${hash.slice(0, 12)} of this run is missing from the store`);
    const parsed = parseDefinition(def.source, { format: def.format, ...(def.path ? { path: def.path } : {}) });
    if (!parsed.workflow) throw new CairnError('DEFINITION_INVALID', `stored definition ${hash.slice(0, 12)} no longer parses`, { diagnostics: parsed.diagnostics });
    applyConfig(parsed.workflow, this.config);
    if (def.path) this.workdirs.set(hash, dirname(def.path));
    this.workflows.set(hash, parsed.workflow);
    return parsed.workflow;
  }

  private async check(parsed: ParsedDefinition, file: string, level: ValidationLevel): Promise<ValidationReport> {
    const report = await checkDefinition(parsed, file, level, this.actions, this.config, { mcp: this.mcp, secrets: this.secrets });
    if (parsed.workflow) this.workdirs.set(parsed.hash, dirname(this.path(file)));
    return report;
  }

  private path(file: string): string {
    // `template:NAME` is a built-in template shipped with the package (templates.ts).
    return isTemplateRef(file) ? templatePath(file) : resolve(this.options.cwd ?? process.cwd(), file);
  }

  private spawnResume(runId: string): void {
    const bin = fileURLToPath(new URL('../../bin/cairn.js', import.meta.url));
    // The store goes through the environment: a PostgreSQL URL may hold a password, which
    // must not show in `ps`; `location` (for messages) has it stripped.
    const db = this.options.db ?? this.store.location.replace(/^sqlite:/, '');
    const child = spawn(process.execPath, [bin, 'resume', '--run', runId, '--quiet'], {
      cwd: this.options.cwd ?? process.cwd(),
      detached: true,
      stdio: 'ignore',
      env: { ...(this.options.env ?? process.env), CAIRN_DB: db },
    });
    child.unref();
  }
}


/** Cancelling what has just ended on its own is not a failure. */
function ignoreFinished(err: unknown): void {
  if (!(err instanceof CairnError && err.code === 'RUN_FINISHED')) throw err;
}

/** Store failures become user-facing errors with the same codes. */
function asCairnError(err: unknown): unknown {
  if (err instanceof StoreError) return new CairnError(err.code, err.message);
  return err;
}
