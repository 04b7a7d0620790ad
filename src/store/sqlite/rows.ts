import type { NewNote, Note, NoteHit, Run, RunEvent, RunStatus, StepError, StepRun, StepStatus } from '../../engine/types.js';
import type { LockClaim, LockHold, LockWaiter, LogLine, NodeInfo, Owner, RunRequest, RunRequestType, StepProcess, StoredDefinition } from '../store.js';

/*
 * Row shapes exist only inside the SQLite store. Each has one converter to the domain type
 * and, where the store writes it, one function giving the bind parameters in column order.
 * JSON columns are stringified once per value; NULL columns become absent properties.
 */

export interface DefinitionRow {
  hash: string;
  workflow_id: string;
  version: string;
  source: string;
  format: 'yaml' | 'json';
  path: string | null;
  created_at: number;
}

export interface RunRow {
  id: string;
  workflow_id: string;
  workflow_name: string;
  definition_hash: string;
  status: RunStatus;
  parameters: string;
  outputs: string | null;
  error: string | null;
  started_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  parent_run_id: string | null;
  parent_step: string | null;
}

/** What a commit reads of a run before writing to it. */
export interface RunHeadRow {
  owner_id: string | null;
  lease_token: number;
  step_ord: number;
}

export interface EventRow {
  run_id: string;
  seq: number;
  type: RunEvent['type'];
  at: number;
  data: string;
}

export interface StepRow {
  key: string;
  step_id: string;
  idx: number | null;
  status: StepStatus;
  attempts: number;
  outputs: string | null;
  error: string | null;
  reason: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface OwnerRow {
  id: string;
  host: string;
  pid: number;
  pid_start: string | null;
  started_at: number;
  heartbeat_at: number;
  /** NodeInfo as JSON (migration 006); null for owners registered before it. */
  node?: string | null;
  running?: number | null;
}

export interface LeaseRow {
  owner_id: string;
  lease_token: number;
  lease_expires_at: number;
}

export interface RequestRow {
  id: number;
  run_id: string;
  type: RunRequestType;
  data: string;
  requested_by: string | null;
  at: number;
}

export interface LogRow {
  id: number;
  run_id: string;
  step: string;
  attempt: number;
  stream: LogLine['stream'];
  line: string;
  at: number;
}

type Bind = string | number | null;

export function definitionParams(d: StoredDefinition): Bind[] {
  return [d.hash, d.workflowId, d.version, d.source, d.format, d.path ?? null, d.createdAt];
}

export function toDefinition(r: DefinitionRow): StoredDefinition {
  const def: StoredDefinition = {
    hash: r.hash,
    workflowId: r.workflow_id,
    version: r.version,
    source: r.source,
    format: r.format,
    createdAt: r.created_at,
  };
  if (r.path !== null) def.path = r.path;
  return def;
}

/** Column order of RUN_COLUMNS in statements.ts. */
export function runParams(run: Run): Bind[] {
  return [
    run.id,
    run.workflowId,
    run.workflowName,
    run.definitionHash,
    run.status,
    JSON.stringify(run.parameters),
    json(run.outputs),
    json(run.error),
    run.startedBy ?? null,
    run.createdAt,
    run.startedAt ?? null,
    run.finishedAt ?? null,
    run.parent?.runId ?? null,
    run.parent?.step ?? null,
  ];
}

export function toRun(r: RunRow): Run {
  const run: Run = {
    id: r.id,
    workflowId: r.workflow_id,
    workflowName: r.workflow_name,
    definitionHash: r.definition_hash,
    status: r.status,
    parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    createdAt: r.created_at,
  };
  if (r.started_at !== null) run.startedAt = r.started_at;
  if (r.finished_at !== null) run.finishedAt = r.finished_at;
  if (r.outputs !== null) run.outputs = JSON.parse(r.outputs) as Record<string, unknown>;
  if (r.error !== null) run.error = JSON.parse(r.error) as StepError;
  if (r.started_by !== null) run.startedBy = r.started_by;
  if (r.parent_run_id !== null) run.parent = { runId: r.parent_run_id, step: r.parent_step ?? '' };
  return run;
}

export function toEvent(r: EventRow): RunEvent {
  // The row was written from a RunEvent, so type and data agree.
  return { type: r.type, runId: r.run_id, seq: r.seq, at: r.at, data: JSON.parse(r.data) } as RunEvent;
}

/** Column order of STEP_COLUMNS in statements.ts; `ord` is kept by an update. */
export function stepParams(runId: string, s: StepRun, ord: number): Bind[] {
  return [
    runId,
    s.key,
    ord,
    s.stepId,
    s.index ?? null,
    s.status,
    s.attempts,
    json(s.outputs),
    json(s.error),
    s.reason ?? null,
    s.startedAt ?? null,
    s.finishedAt ?? null,
  ];
}

export function toStep(r: StepRow): StepRun {
  const step: StepRun = { key: r.key, stepId: r.step_id, status: r.status, attempts: r.attempts };
  if (r.idx !== null) step.index = r.idx;
  if (r.outputs !== null) step.outputs = JSON.parse(r.outputs) as Record<string, unknown>;
  if (r.error !== null) step.error = JSON.parse(r.error) as StepError;
  if (r.reason !== null) step.reason = r.reason;
  if (r.started_at !== null) step.startedAt = r.started_at;
  if (r.finished_at !== null) step.finishedAt = r.finished_at;
  return step;
}

export function ownerParams(o: Owner): Bind[] {
  return [o.id, o.host, o.pid, o.pidStart ?? null, o.startedAt, o.heartbeatAt, o.node ? JSON.stringify(o.node) : null, o.running ?? 0];
}

export function toOwner(r: OwnerRow): Owner {
  const owner: Owner = { id: r.id, host: r.host, pid: r.pid, startedAt: r.started_at, heartbeatAt: r.heartbeat_at };
  if (r.pid_start !== null) owner.pidStart = r.pid_start;
  if (r.node) owner.node = JSON.parse(r.node) as NodeInfo;
  // Absent rather than 0: most owners never report a load (the registry reads it as 0).
  if (r.running) owner.running = Number(r.running);
  return owner;
}

export function toRequest(r: RequestRow): RunRequest {
  const req: RunRequest = {
    id: r.id,
    runId: r.run_id,
    type: r.type,
    data: JSON.parse(r.data) as Record<string, unknown>,
    at: r.at,
  };
  if (r.requested_by !== null) req.by = r.requested_by;
  return req;
}

export function toLogLine(r: LogRow): LogLine {
  return { id: r.id, runId: r.run_id, step: r.step, attempt: r.attempt, stream: r.stream, line: r.line, at: r.at };
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export interface ProcessRow {
  run_id: string;
  step: string;
  attempt: number;
  host: string;
  pid: number;
  pid_start: string | null;
}

export function toProcess(r: ProcessRow): StepProcess {
  const proc: StepProcess = { runId: r.run_id, step: r.step, attempt: r.attempt, host: r.host, pid: r.pid };
  if (r.pid_start !== null) proc.pidStart = r.pid_start;
  return proc;
}

export interface NoteRow {
  id: number;
  text: string;
  category: string | null;
  tags: string;
  run_id: string | null;
  step: string | null;
  created_at: number;
  created_by: string | null;
}

export interface NoteHitRow extends NoteRow {
  /** bm25() of the match: lower is better; 0 when listing without a query. */
  rank: number;
}

/** Column order of NOTE_COLUMNS in statements.ts, without the id SQLite assigns. */
export function noteParams(n: NewNote, createdAt: number): Bind[] {
  return [n.text, n.category ?? null, JSON.stringify(n.tags), n.runId ?? null, n.step ?? null, createdAt, n.createdBy ?? null];
}

export function toNote(r: NoteRow): Note {
  const note: Note = { id: r.id, text: r.text, tags: JSON.parse(r.tags) as string[], createdAt: r.created_at };
  if (r.category !== null) note.category = r.category;
  if (r.run_id !== null) note.runId = r.run_id;
  if (r.step !== null) note.step = r.step;
  if (r.created_by !== null) note.createdBy = r.created_by;
  return note;
}

/** The score is -bm25, so higher is better (and a plain listing scores 0, never -0). */
export function toNoteHit(r: NoteHitRow): NoteHit {
  return { ...toNote(r), score: r.rank === 0 ? 0 : -r.rank };
}

export interface LockHoldRow {
  lock: string;
  run_id: string;
  step: string;
  attempt: number;
  owner_id: string;
  per_run: number;
  acquired_at: number;
  expires_at: number;
}

export interface LockWaiterRow {
  seq: number;
  run_id: string;
  step: string;
  attempt: number;
  owner_id: string;
  claims: string;
  since: number;
}

export function toLockHold(r: LockHoldRow): LockHold {
  return { lock: r.lock, runId: r.run_id, step: r.step, attempt: r.attempt, ownerId: r.owner_id, perRun: r.per_run === 1, acquiredAt: r.acquired_at, expiresAt: r.expires_at };
}

export function toLockWaiter(r: LockWaiterRow): LockWaiter {
  return { seq: r.seq, runId: r.run_id, step: r.step, attempt: r.attempt, ownerId: r.owner_id, locks: lockClaims(r).map((c) => c.name), since: r.since };
}

/** What a waiter asks for, as stored in its `claims` column. */
export function lockClaims(r: LockWaiterRow): LockClaim[] {
  return JSON.parse(r.claims) as LockClaim[];
}
