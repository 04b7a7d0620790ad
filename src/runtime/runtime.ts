import { decide, nextWakeAt } from '../engine/decide.js';
import { evolve } from '../engine/evolve.js';
import { replay } from '../engine/replay.js';
import { runStatus, takeProjection } from '../engine/projection.js';
import { initialState, isTerminalRun, runCreatedEvent, type RunState } from '../engine/state.js';
import type { Effect, Input, Run, RunEvent, Workflow } from '../engine/types.js';
import type { Action, Memory, NotifyChannel } from '../actions/action.js';
import { Breakers, type BreakerOptions } from '../actions/breakers.js';
import { McpClients, type McpServerSpec } from '../actions/mcp-clients.js';
import type { NetworkGuard } from '../actions/network-guard.js';
import type { Claim, CommitBatch, NodeInfo, Owner, Store } from '../store/store.js';
import { Bulkheads } from './bulkheads.js';
import { compensateStep } from './compensate.js';
import { attachStep, executeStep, type ExecuteDeps } from './execute.js';
import { TaskDispatch } from './task-dispatch.js';
import { LiveFeed } from './live.js';
import { LockQueue } from './locks.js';
import { LogBuffer } from './log-buffer.js';
import { LogCap } from './log-cap.js';
import { ProcessRegistry } from './process-registry.js';
import { stopOrphans } from './orphans.js';
import { currentOwner, isOwnerDead, processStartTime } from './owner.js';
import { finalizeOutputs } from './outputs.js';
import { prepareStep } from './prepare.js';
import { redactText, redactValue, type SecretSource } from './secrets.js';
import type { RunSlot } from './run-slot.js';
import { ChildRuns, isSubworkflow, orphanInput, type ChildHooks } from './subworkflow.js';
import { compensationKey, stepKey } from '../engine/idempotency.js';

export interface RuntimeOptions {
  store: Store;
  actions: ReadonlyMap<string, Action>;
  /** The normalized workflow of a stored definition. */
  workflowFor(definitionHash: string): Promise<Workflow>;
  /** Working directory for a run's steps (default: the process's). */
  workdirFor?(run: Run): string;
  /** How long a claim lasts without a heartbeat. */
  leaseMs?: number;
  /** How often to look for requests (cancel) from other processes. */
  requestPollMs?: number;
  clock?(): number;
  onError?(err: unknown): void;
  /** Notification channels by name, from configuration (`notify`). */
  channel?(name: string): NotifyChannel | undefined;
  /** Pools by name, from configuration (`pool:` on a step takes one slot). */
  pools?: Readonly<Record<string, { slots: number }>>;
  /** Attempts of a command that may run at once in this process (`concurrency:`), by built-in command. */
  concurrency?: Readonly<Record<string, number>>;
  /** The circuit breakers of `http` steps' hosts (`circuit_breaker:`): an instance to share, or its options. */
  breakers?: Breakers | BreakerOptions;
  /** The MCP servers of `mcp` steps (`mcp_servers:`): a pool to share, or the servers by name. Closed on stop. */
  mcp?: McpClients | Readonly<Record<string, McpServerSpec>>;
  /** Where `http` steps may connect (`network:`; built by the application). Without it, anywhere. */
  network?: NetworkGuard;
  /** Caps on what one step attempt may produce (`limits:`): outputs and log, in bytes. */
  limits?: { maxOutputBytes?: number; maxLogBytesPerStep?: number };
  /** Starts the child run of a `workflow` step (the app loads and validates it); see subworkflow.ts. */
  startChild?: ChildHooks['startChild'];
  /** Cancels a child run wherever it is held, when its step is cancelled or times out. */
  cancelChild?: ChildHooks['cancelChild'];
  /** Values of `${{ secrets.NAME }}` for the steps that read them (docs/secrets.md). */
  secrets?: SecretSource;
  /** What this process is, for `cairn nodes` (docs/cluster.md). */
  node?: NodeInfo;
  /** How often to look at tasks handed to workers when no notification came (default 1000 ms). */
  taskPollMs?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const TASK_RETENTION_MS = 3_600_000;

/**
 * The loop that feeds inputs to the engine and carries out its effects. Inputs from many
 * runs are decided together and their events committed in one transaction (group commit);
 * effects are carried out only after the events that caused them are durable, so a
 * step's output is on disk before any dependent starts.
 */
export class Runtime {
  readonly live = new LiveFeed();
  readonly owner: Owner;
  private readonly store: Store;
  private readonly leaseMs: number;
  private readonly clock: () => number;
  private readonly onError: (err: unknown) => void;
  private readonly logs: LogBuffer;
  private readonly logCap: LogCap;
  private readonly slots = new Map<string, RunSlot>();
  private readonly waiters = new Map<string, Array<(run: Run | undefined) => void>>();
  private inbox: Array<{ runId: string; input: Input }> = [];
  private flushing: Promise<void> | undefined;
  /** Odd while a commit is in flight, which `committing` settles: a sequence lock for consistentRead. */
  private commitSeq = 0;
  private committing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private intervals: NodeJS.Timeout[] = [];
  /** Process groups of running attempts, recorded for whoever takes over after a crash. */
  private readonly processes: ProcessRegistry;
  /** Cairn's memory as actions see it (remember, recall). */
  private readonly memory: Memory;
  /** Actions still running, so stopping can wait until their processes are gone. */
  private readonly inflight = new Set<Promise<void>>();
  private stopping = false;
  /** Draining (graceful shutdown): steps that become ready are left for the next owner. */
  private draining = false;
  private closing = false;
  /** Locks and pool slots held by this process's step attempts (docs/locks.md). */
  private readonly locks: LockQueue;
  /** `workflow` steps: the child runs they start and wait for. */
  private readonly children: ChildRuns;
  /** Per-command concurrency limits (docs/observability.md). */
  readonly bulkheads: Bulkheads;
  /** Circuit breakers per target host of `http` steps, for this process. */
  readonly breakers: Breakers;
  /** Pooled connections to the MCP servers of `mcp` steps, for this process. */
  readonly mcp: McpClients;
  /** Steps with `runs_on`, handed to workers. */
  private readonly dispatch: TaskDispatch;

  constructor(private readonly options: RuntimeOptions) {
    this.store = options.store;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError ?? ((err) => console.error('cairn runtime:', err));
    this.owner = currentOwner(this.clock());
    if (options.node) this.owner.node = options.node;
    this.logs = new LogBuffer(this.store, this.onError);
    this.logCap = new LogCap(options.limits?.maxLogBytesPerStep);
    this.dispatch = new TaskDispatch({ store: this.store, onError: this.onError, ...(options.taskPollMs ? { pollMs: options.taskPollMs } : {}) });
    this.processes = new ProcessRegistry(this.store, this.onError);
    this.memory = { add: (note) => this.store.addNote(note), search: (query, opts) => this.store.searchNotes(query, opts) };
    this.bulkheads = new Bulkheads(options.concurrency ?? {});
    this.breakers = options.breakers instanceof Breakers ? options.breakers : new Breakers(options.breakers ?? {});
    this.mcp = options.mcp instanceof McpClients ? options.mcp : new McpClients(options.mcp ?? {}, { breaker: { failures: this.breakers.failures, halfOpenAfterMs: this.breakers.halfOpenAfterMs } });
    this.locks = new LockQueue({ store: this.store, ownerId: this.owner.id, leaseMs: this.leaseMs, pools: options.pools ?? {}, onError: this.onError });
    this.children = new ChildRuns({
      store: this.store,
      holds: (runId) => this.holds(runId),
      waitFor: (runId) => this.waitFor(runId),
      adopt: async (runId) => (await this.resume({ runIds: [runId] })).includes(runId),
      ...(options.startChild ? { startChild: options.startChild } : {}),
      ...(options.cancelChild ? { cancelChild: options.cancelChild } : {}),
    });
  }

  async start(): Promise<void> {
    await this.store.registerOwner(this.owner);
    const heartbeat = setInterval(() => {
      this.store.heartbeat(this.owner.id, this.leaseMs, { running: this.inflight.size }).catch(this.onError);
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    const requests = setInterval(() => void this.pollRequests(), this.options.requestPollMs ?? 200);
    // Finished step tasks (docs/cluster.md) are kept an hour, for `cairn nodes` and inquiries.
    const prune = setInterval(() => {
      this.store.pruneTasks(this.clock() - TASK_RETENTION_MS).catch(this.onError);
    }, TASK_RETENTION_MS / 6);
    heartbeat.unref();
    requests.unref();
    prune.unref();
    this.intervals.push(heartbeat, requests, prune);
  }

  /** Create a run owned by this process and start it. */
  async startRun(run: Run, workflow: Workflow, opts: { startKey?: string } = {}): Promise<void> {
    const created = runCreatedEvent(run);
    const claim = await this.store.createRun(run, [created], { ownerId: this.owner.id, leaseMs: this.leaseMs }, opts);
    if (!claim) throw new Error(`could not claim new run ${run.id}`);
    const state = initialState(run, workflow);
    evolve(state, created);
    this.slots.set(run.id, this.newSlot(state, workflow, claim.token));
    this.submit(run.id, { type: 'start' });
  }

  /**
   * Claim runs left in flight (unowned, lease lapsed, or owner process gone) and carry on
   * with them. Returns the ids of the runs taken.
   */
  async resume(opts: { runIds?: string[] } = {}): Promise<string[]> {
    const owners = await this.store.listOwners();
    const deadOwners = owners.filter(isOwnerDead).map((o) => o.id);
    for (const id of deadOwners) await this.store.removeOwner(id);
    const claims = await this.store.claimRuns(this.owner.id, { leaseMs: this.leaseMs, deadOwners, ...(opts.runIds ? { runIds: opts.runIds } : {}) });
    const taken: string[] = [];
    for (const claim of claims) {
      if (await this.adopt(claim)) taken.push(claim.runId);
    }
    return taken;
  }

  /** Hand an input to a run this process holds (false when it does not hold it). */
  submit(runId: string, input: Input): boolean {
    const slot = this.slots.get(runId);
    if (!slot || this.stopping) return false;
    // A run that revealed secrets records none of them: outputs, errors, everything reported.
    this.inbox.push({ runId, input: slot.redact ? redactValue(input, slot.redact) : input });
    this.scheduleFlush();
    return true;
  }

  holds(runId: string): boolean {
    return this.slots.has(runId);
  }

  get heldRuns(): string[] {
    return [...this.slots.keys()];
  }

  /** The run as last committed, when held here. */
  snapshot(runId: string): Run | undefined {
    const slot = this.slots.get(runId);
    return slot ? (slot.committed ?? { ...slot.state.run, status: runStatus(slot.state) }) : undefined;
  }

  /**
   * Runs `read` (which may mix snapshots with the store's rows) again until no commit of
   * this process overlapped it, so it sees one moment: a PostgreSQL commit takes a while,
   * and its rows are visible before the snapshot moves on (SQLite's are over at once).
   */
  async consistentRead<T>(read: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      const before = this.commitSeq;
      const value = await read();
      if ((before % 2 === 0 && this.commitSeq === before) || tries >= 10) return value;
      await this.committing;
    }
  }

  /** Resolves with the final run when it finishes here, or undefined if this process lets it go. */
  waitFor(runId: string): Promise<Run | undefined> {
    const slot = this.slots.get(runId);
    if (!slot) return this.store.getRun(runId);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Resolves when this process holds no more runs. */
  async idle(): Promise<void> {
    while (this.slots.size > 0) {
      const [first] = this.slots.keys();
      if (first !== undefined) await this.waitFor(first);
    }
  }

  /**
   * Graceful shutdown: start no new step (a ready step is left to whoever takes the run
   * next, which runs it with the same idempotency key), let running ones finish for up to
   * `graceMs`, then stop as `stop` does.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const deadline = Date.now() + graceMs;
    while ((this.inflight.size > 0 || this.inbox.length > 0 || this.flushing) && Date.now() < deadline) {
      const left = deadline - Date.now();
      // What finished must be committed before stopping: stop() drops what is still in the inbox.
      const settled = this.inflight.size > 0 ? Promise.allSettled([...this.inflight]) : (this.flushing ?? new Promise((r) => setImmediate(r)));
      await Promise.race([settled, new Promise((r) => setTimeout(r, left).unref())]);
    }
    await this.stop();
  }

  /**
   * Stop without losing anything: running steps are killed and left as they are in the
   * store (recovery retries them with the same idempotency key), and every run is
   * released so the next process can take it at once.
   */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Children being cancelled with their step (the parent was cancelled or timed out) must
    // have that recorded before this process lets them go.
    await this.children.drain(5000);
    this.stopping = true;
    for (const t of this.intervals) clearInterval(t);
    this.inbox = [];
    await this.flushing;
    for (const slot of this.slots.values()) this.quiesce(slot, 'shutdown');
    // Killed process groups get a grace period before SIGKILL; wait for them to be gone.
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.logs.flush();
    await this.processes.flush();
    for (const runId of [...this.slots.keys()]) {
      await this.store.releaseRun(runId, this.owner.id).catch(this.onError);
      this.forget(runId);
    }
    await this.store.removeOwner(this.owner.id).catch(this.onError);
    await this.dispatch.stop();
    await this.mcp.close().catch(this.onError);
  }

  private async adopt(claim: Claim): Promise<boolean> {
    const stored = await this.store.getRun(claim.runId);
    if (!stored || isTerminalRun(stored)) return false;
    const workflow = await this.options.workflowFor(stored.definitionHash);
    const events = await this.store.readEvents(claim.runId);
    const state = replay(stored, workflow, events);
    // Whatever a dead owner left running must stop before the step runs again.
    await stopOrphans(this.store, claim.runId, runningKeys(state));
    this.slots.set(claim.runId, this.newSlot(state, workflow, claim.token));
    // Requests first: a cancel must win over restarting what the dead owner left running.
    for (const req of await this.store.takeRequests([claim.runId])) this.submitRequest(req.runId, req.type, req.data, req.by);
    // A child whose parent ended while nobody carried it has no one left to report to.
    const orphaned = await orphanInput(this.store, stored);
    if (orphaned) this.submit(claim.runId, orphaned);
    const slot = this.slots.get(claim.runId) as RunSlot;
    for (const st of state.steps.values()) {
      if (st.status === 'running' && st.items === undefined) {
        // A worker may still be running it: wait for that attempt rather than start another.
        const attached = await attachStep(slot, st.key, st.stepId, st.attempts, { ...this.actionDeps(claim.runId), ...this.dispatchDeps(claim.runId) });
        if (attached) this.track(attached.settled);
        else this.submit(claim.runId, { type: 'interrupted', step: st.key, attempt: st.attempts, reason: 'the process running it stopped' });
      }
      if (st.compensation?.status === 'running') {
        this.submit(claim.runId, { type: 'interrupted', step: st.key, attempt: st.compensation.attempts, reason: 'the process compensating it stopped' });
      }
    }
    this.submit(claim.runId, { type: 'start' });
    this.submit(claim.runId, { type: 'tick' });
    return true;
  }

  private newSlot(state: RunSlot['state'], workflow: Workflow, token: number): RunSlot {
    return { state, workflow, token, controllers: new Map(), committed: { ...state.run, status: runStatus(state) }, workdir: this.options.workdirFor?.(state.run) ?? process.cwd() };
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // setImmediate, not a microtask: lets every action that finished in this turn of the
    // event loop report in, so they share one transaction.
    setImmediate(() => {
      this.flushQueued = false;
      if (!this.flushing) this.flushing = this.flush().finally(() => (this.flushing = undefined));
      else this.scheduleFlushAfter(this.flushing);
    });
  }

  private scheduleFlushAfter(current: Promise<void>): void {
    void current.then(() => {
      if (this.inbox.length > 0) this.scheduleFlush();
    });
  }

  private async flush(): Promise<void> {
    while (this.inbox.length > 0 && !this.stopping) {
      const inputs = this.inbox;
      this.inbox = [];
      const touched = new Map<RunSlot, { events: RunEvent[]; effects: Effect[] }>();
      for (const { runId, input } of inputs) {
        const slot = this.slots.get(runId);
        if (!slot) continue;
        const decision = decide(slot.state, input, { now: this.clock(), random: Math.random });
        const acc = touched.get(slot) ?? { events: [], effects: [] };
        acc.events.push(...decision.events);
        acc.effects.push(...decision.effects);
        touched.set(slot, acc);
      }
      const batches: CommitBatch[] = [];
      for (const [slot, acc] of touched) {
        const projection = takeProjection(slot.state);
        if (acc.events.length === 0 && projection.steps.length === 0 && !projection.run) continue;
        batches.push({ runId: slot.state.run.id, lease: { ownerId: this.owner.id, token: slot.token }, events: acc.events, steps: projection.steps, ...(projection.run ? { run: projection.run } : {}) });
      }
      let refused: string[] = [];
      let settle = () => {};
      this.committing = new Promise((resolve) => (settle = resolve));
      this.commitSeq++;
      try {
        if (batches.length > 0) refused = (await this.store.commit(batches)).refused;
      } catch (err) {
        this.commitSeq++;
        settle();
        this.onError(err);
        this.live.publish({ kind: 'write-failed', runIds: [...touched.keys()].map((s) => s.state.run.id), error: err });
        this.recoverAfterFailedCommit([...touched.keys()]);
        continue;
      }
      for (const runId of refused) {
        const slot = this.slots.get(runId);
        if (slot) this.quiesce(slot, 'lease lost');
        this.forget(runId);
      }
      for (const slot of touched.keys()) slot.committed = { ...slot.state.run, status: runStatus(slot.state) };
      this.commitSeq++;
      settle();
      for (const [slot, acc] of touched) {
        const runId = slot.state.run.id;
        if (!this.slots.has(runId)) continue;
        if (acc.events.length > 0) {
          const run = { ...slot.state.run, status: runStatus(slot.state) };
          for (const event of acc.events) this.live.publish({ kind: 'event', event, run });
        }
        for (const effect of acc.effects) this.carryOut(slot, effect);
        if (isTerminalRun(slot.state.run)) this.finishSlot(slot);
        else this.armTimer(slot);
      }
    }
  }

  private carryOut(slot: RunSlot, effect: Effect): void {
    const runId = slot.state.run.id;
    if (this.draining && (effect.type === 'execute' || effect.type === 'prepare')) return;
    switch (effect.type) {
      case 'execute': {
        // A sub-workflow is a child run, not an action: it takes no locks itself (its steps do).
        if (isSubworkflow(slot, effect.stepId)) {
          this.track(this.children.run(slot, effect, this.actionDeps(runId)));
          return;
        }
        const running = executeStep(slot, effect, { ...this.actionDeps(runId), locks: this.locks, bulkheads: this.bulkheads, ...this.dispatchDeps(runId) });
        if (running) this.track(running);
        return;
      }
      case 'prepare': {
        const spec = slot.state.graph.byId.get(effect.stepId);
        if (!spec) return;
        prepareStep(slot.state, effect.step, spec).then((input) => this.submit(runId, input), this.onError);
        return;
      }
      case 'abort': {
        const running = slot.controllers.get(effect.step);
        if (running && running.attempt === effect.attempt) running.controller.abort(new Error(effect.reason));
        // Nothing runs it here (the run was taken over): a sub-workflow's child must still stop.
        else if (!running) this.track(this.children.abandon(slot, effect.step, effect.reason).catch((err: unknown) => this.onError(err)));
        return;
      }
      case 'compensate':
        // Compensations take no locks: undoing must not wait behind what it undoes.
        this.track(compensateStep(slot, effect, this.actionDeps(runId)));
        return;
      case 'finalize':
        finalizeOutputs(slot.state).then((input) => this.submit(runId, input), this.onError);
        return;
    }
  }

  /** Remember a running action, so stopping can wait for it. */
  private track(running: Promise<void>): void {
    this.inflight.add(running);
    void running.finally(() => this.inflight.delete(running));
  }

  /** Handing steps to workers, under this process's lease on the run (docs/cluster.md). */
  private dispatchDeps(runId: string): Pick<ExecuteDeps, 'dispatch' | 'lease' | 'lost'> {
    return {
      dispatch: this.dispatch,
      lease: { ownerId: this.owner.id },
      lost: () => {
        const slot = this.slots.get(runId);
        if (slot) this.quiesce(slot, 'lease lost');
        this.forget(runId);
      },
    };
  }

  /** What an action needs from the runtime, for one run. */
  private actionDeps(runId: string): ExecuteDeps {
    return {
      actions: this.options.actions,
      memory: this.memory,
      ...(this.options.channel ? { channel: this.options.channel } : {}),
      breakers: this.breakers,
      mcp: this.mcp,
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
      ...(this.options.network ? { network: this.options.network } : {}),
      log: (line) => this.log(line),
      report: (input) => {
        if (input.type === 'succeeded' || input.type === 'failed' || input.type === 'interrupted') this.endLog(runId, input.step, input.attempt);
        this.submit(runId, input);
      },
      ...(this.options.limits?.maxOutputBytes !== undefined ? { maxOutputBytes: this.options.limits.maxOutputBytes } : {}),
      started: (step, attempt, pid) => {
        const pidStart = processStartTime(pid);
        this.processes.started({ runId, step, attempt, host: this.owner.host, pid, ...(pidStart ? { pidStart } : {}) });
      },
      ended: (step, attempt) => this.processes.ended({ runId, step, attempt }),
    };
  }

  private log(line: { runId: string; step: string; attempt: number; stream: 'stdout' | 'stderr' | 'system'; line: string }): void {
    if (!this.logCap.admit(line.runId, line.step, line.attempt, line.line)) return;
    const redact = this.slots.get(line.runId)?.redact;
    const entry = { ...line, ...(redact ? { line: redactText(line.line, redact) } : {}), at: this.clock() };
    this.logs.push(entry);
    this.live.publish({ kind: 'log', line: entry });
  }

  /** The attempt is over: if its log was cut, say by how much (the note itself is not capped). */
  private endLog(runId: string, step: string, attempt: number): void {
    const note = this.logCap.end(runId, step, attempt);
    if (note === undefined) return;
    const entry = { runId, step, attempt, stream: 'system' as const, line: note, at: this.clock() };
    this.logs.push(entry);
    this.live.publish({ kind: 'log', line: entry });
  }

  private armTimer(slot: RunSlot): void {
    const at = nextWakeAt(slot.state);
    if (at === slot.timerAt) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.timerAt = at;
    if (at === undefined) return;
    const runId = slot.state.run.id;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      slot.timerAt = undefined;
      this.submit(runId, { type: 'tick' });
    }, Math.min(Math.max(0, at - this.clock()), MAX_TIMER_MS));
  }

  private finishSlot(slot: RunSlot): void {
    const runId = slot.state.run.id;
    this.quiesce(slot, 'run finished');
    const logged = this.logs.flush();
    // A finished run holds no lease: a later rollback must be free to claim it.
    this.store.releaseRun(runId, this.owner.id).catch(this.onError);
    const final = { ...slot.state.run };
    this.slots.delete(runId);
    const waiting = this.waiters.get(runId) ?? [];
    this.waiters.delete(runId);
    // Waiters read the run's logs next: they are stored first (a SQLite write is over at once).
    void logged.then(() => {
      for (const resolve of waiting) resolve(final);
    });
  }

  /** Stop a slot's timers and processes without reporting anything. */
  private quiesce(slot: RunSlot, reason: string): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    for (const running of slot.controllers.values()) {
      running.silenced = true;
      running.controller.abort(new Error(reason));
    }
  }

  private forget(runId: string, final?: Run): void {
    this.slots.delete(runId);
    const waiting = this.waiters.get(runId) ?? [];
    this.waiters.delete(runId);
    for (const resolve of waiting) resolve(final);
    if (!final) this.live.publish({ kind: 'released', runId });
  }

  private recoverAfterFailedCommit(slots: RunSlot[]): void {
    const ids = slots.map((s) => s.state.run.id);
    for (const slot of slots) this.quiesce(slot, 'store write failed');
    // Keep waiters: the runs are re-read from the store and carried on shortly.
    for (const id of ids) this.slots.delete(id);
    // Until the store takes writes again (a full disk may take a while to be freed), backing off to 30 s.
    const attempt = (delayMs: number) => {
      const retry = setTimeout(() => {
        if (this.stopping) return;
        this.store
          .claimRuns(this.owner.id, { leaseMs: this.leaseMs, runIds: ids, deadOwners: [this.owner.id] })
          .then(async (claims) => {
            for (const claim of claims) await this.adopt(claim);
          })
          .catch((err: unknown) => {
            this.onError(err);
            attempt(Math.min(delayMs * 2, 30_000));
          });
      }, delayMs);
      retry.unref();
    };
    attempt(1000);
  }

  private async pollRequests(): Promise<void> {
    if (this.slots.size === 0 || this.stopping) return;
    try {
      for (const req of await this.store.takeRequests([...this.slots.keys()])) this.submitRequest(req.runId, req.type, req.data, req.by);
    } catch (err) {
      this.onError(err);
    }
  }

  private submitRequest(runId: string, type: string, data: Record<string, unknown>, by: string | undefined): void {
    const input = requestInput(type, data, by);
    if (input) this.submit(runId, input);
  }

}

/** A request another process left in the store, as the engine input it stands for. */
function requestInput(type: string, data: Record<string, unknown>, by: string | undefined): Input | undefined {
  const who = by ?? 'unknown';
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (type) {
    case 'cancel': {
      const reason = text(data.reason);
      return { type: 'cancel', ...(by ? { by } : {}), ...(reason ? { reason } : {}) };
    }
    case 'complete':
      return { type: 'complete', step: String(data.step), by: who, output: (data.output ?? {}) as Record<string, unknown> };
    case 'approve': {
      const comment = text(data.comment);
      return { type: 'approve', step: String(data.step), by: who, approve: data.approve !== false, ...(comment ? { comment } : {}) };
    }
    case 'signal':
      return { type: 'signal', name: String(data.name), ...(data.data !== undefined ? { data: data.data } : {}), ...(by ? { by } : {}) };
    case 'pause':
      return { type: 'pause', ...(by ? { by } : {}) };
    case 'rollback': {
      const strategy = data.strategy === 'graceful' || data.strategy === 'checkpoint' ? data.strategy : 'immediate';
      const to = text(data.to);
      const reason = text(data.reason);
      return { type: 'rollback', strategy, ...(to ? { to } : {}), ...(by ? { by } : {}), ...(reason ? { reason } : {}) };
    }
    case 'unpause':
      return { type: 'unpause', ...(by ? { by } : {}) };
    default:
      return undefined;
  }
}

/** Idempotency keys of the attempts and compensations the run's events leave running. */
function runningKeys(state: RunState): string[] {
  const keys: string[] = [];
  for (const st of state.steps.values()) {
    if (st.status === 'running' && st.items === undefined) keys.push(stepKey(state.run.id, st.key));
    if (st.compensation?.status === 'running') keys.push(compensationKey(state.run.id, st.key));
  }
  return keys;
}
