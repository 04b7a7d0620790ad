import type { Database, Statement } from 'better-sqlite3';
import { TERMINAL_RUN_STATUSES } from '../../engine/types.js';
import type { RunFilter } from '../store.js';
import type { DefinitionRow, EventRow, LeaseRow, LockHoldRow, LockWaiterRow, LogRow, NoteHitRow, NoteRow, OwnerRow, ProcessRow, RequestRow, RunHeadRow, RunRow, StepRow } from './rows.js';

/** Column lists shared by the statements and by the bind-parameter order in rows.ts. */
const RUN_COLUMNS =
  'id, workflow_id, workflow_name, definition_hash, status, parameters, outputs, error, started_by, created_at, started_at, finished_at, ' +
  'parent_run_id, parent_step';
const STEP_COLUMNS = 'run_id, key, ord, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at';
const REQUEST_COLUMNS = 'id, run_id, type, data, requested_by, at';
const LOG_COLUMNS = 'id, run_id, step, attempt, stream, line, at';
const LOCK_HOLD_COLUMNS = 'lock, run_id, step, attempt, owner_id, per_run, acquired_at, expires_at';
const LOCK_WAITER_COLUMNS = 'seq, run_id, step, attempt, owner_id, claims, since';
const NOTE_COLUMNS = 'text, category, tags, run_id, step, created_at, created_by';
/** A note as read back, `n` being the notes table. */
const NOTE_READ = `n.id, ${NOTE_COLUMNS.split(', ').map((c) => `n.${c}`).join(', ')}`;

/** Literal list built from the engine's constant, so SQL and engine agree on "finished". */
const TERMINAL = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

type Bind = unknown[];

/** Every statement the store runs, prepared once when the store opens. */
export function prepareStatements(db: Database) {
  const p = <R = unknown>(sql: string): Statement<Bind, R> => db.prepare<Bind, R>(sql);
  return {
    putDefinition: p(
      'INSERT INTO definitions (hash, workflow_id, version, source, format, path, created_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
    ),
    getDefinition: p<DefinitionRow>('SELECT * FROM definitions WHERE hash = ?'),
    // Newest first; rowid breaks a tie between two stored in the same millisecond.
    findDefinition: p<DefinitionRow>('SELECT * FROM definitions WHERE workflow_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1'),
    listDefinitions: p<DefinitionRow>('SELECT * FROM definitions WHERE (@workflowId IS NULL OR workflow_id = @workflowId) ORDER BY created_at, rowid'),

    insertRun: p(
      `INSERT INTO runs (${RUN_COLUMNS}, owner_id, lease_token, lease_expires_at) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // A projection never touches the lease columns (only claims and releases do), nor the
    // parent link, which is set once when the run is created.
    upsertRun: p(
      `INSERT INTO runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET ` +
        'workflow_id = excluded.workflow_id, workflow_name = excluded.workflow_name, ' +
        'definition_hash = excluded.definition_hash, status = excluded.status, parameters = excluded.parameters, ' +
        'outputs = excluded.outputs, error = excluded.error, started_by = excluded.started_by, ' +
        'created_at = excluded.created_at, started_at = excluded.started_at, finished_at = excluded.finished_at',
    ),
    runHead: p<RunHeadRow>('SELECT owner_id, lease_token, step_ord FROM runs WHERE id = ?'),
    insertEvent: p('INSERT INTO events (run_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)'),
    // Every event also takes the next place in the feed (migration 005), in the same transaction.
    insertFeed: p('INSERT INTO feed (run_id, seq) VALUES (?, ?)'),
    setStartKey: p('UPDATE runs SET start_key = ? WHERE id = ?'),
    startKeyTaken: p<string>('SELECT id FROM runs WHERE start_key = ?').pluck(),
    advanceRun: p('UPDATE runs SET last_seq = max(last_seq, ?), step_ord = step_ord + ? WHERE id = ?'),
    upsertStep: p(
      `INSERT INTO steps (${STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET ` +
        'step_id = excluded.step_id, idx = excluded.idx, status = excluded.status, attempts = excluded.attempts, ' +
        'outputs = excluded.outputs, error = excluded.error, reason = excluded.reason, started_at = excluded.started_at, ' +
        'finished_at = excluded.finished_at',
    ),

    getRun: p<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    // The range bounds let the primary key index find the prefix; substr makes it exact.
    findRunIds: p<string>(
      "SELECT id FROM runs WHERE id >= @prefix AND id < @prefix || char(1114111) AND substr(id, 1, length(@prefix)) = @prefix ORDER BY id LIMIT @limit",
    ).pluck(),
    getSteps: p<StepRow>(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY ord`),
    readEvents: p<EventRow>('SELECT run_id, seq, type, at, data FROM events WHERE run_id = ? AND seq > ? ORDER BY seq'),

    registerOwner: p(
      'INSERT INTO owners (id, host, pid, pid_start, started_at, heartbeat_at, node, running) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start, ' +
        'started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, node = excluded.node, running = excluded.running',
    ),
    touchOwner: p('UPDATE owners SET heartbeat_at = ?, running = coalesce(?, running) WHERE id = ?'),
    extendLeases: p(`UPDATE runs SET lease_expires_at = ? WHERE owner_id = ? AND status NOT IN (${TERMINAL})`),
    listOwners: p<OwnerRow>('SELECT * FROM owners ORDER BY started_at, id'),
    deleteOwner: p('DELETE FROM owners WHERE id = ?'),
    releaseOwnerRuns: p('UPDATE runs SET owner_id = NULL, lease_expires_at = NULL WHERE owner_id = ?'),
    // @deadOwners is a JSON array; @runIds a JSON array, or NULL for any run.
    claimable: p<string>(
      `SELECT id FROM runs WHERE status NOT IN (${TERMINAL}) ` +
        'AND (owner_id IS NULL OR lease_expires_at < @now OR owner_id IN (SELECT value FROM json_each(@deadOwners))) ' +
        'AND (@runIds IS NULL OR id IN (SELECT value FROM json_each(@runIds))) ' +
        'ORDER BY created_at, id LIMIT @limit',
    ).pluck(),
    claim: p<number>(
      'UPDATE runs SET owner_id = ?, lease_token = lease_token + 1, lease_expires_at = ? WHERE id = ? RETURNING lease_token',
    ).pluck(),
    releaseRun: p('UPDATE runs SET owner_id = NULL, lease_expires_at = NULL WHERE id = ? AND owner_id = ?'),
    getLease: p<LeaseRow>('SELECT owner_id, lease_token, lease_expires_at FROM runs WHERE id = ? AND owner_id IS NOT NULL'),

    addRequest: p('INSERT INTO requests (run_id, type, data, requested_by, at) VALUES (?, ?, ?, ?, ?)'),
    takeRequests: p<RequestRow>(
      'UPDATE requests SET taken_at = ? WHERE taken_at IS NULL AND run_id IN (SELECT value FROM json_each(?)) ' +
        `RETURNING ${REQUEST_COLUMNS}`,
    ),

    recordProcess: p('INSERT OR REPLACE INTO processes (run_id, step, attempt, host, pid, pid_start) VALUES (?, ?, ?, ?, ?, ?)'),
    listProcesses: p<ProcessRow>('SELECT run_id, step, attempt, host, pid, pid_start FROM processes WHERE run_id = ? ORDER BY step, attempt'),
    removeProcess: p('DELETE FROM processes WHERE run_id = ? AND step = ? AND attempt = ?'),

    insertLog: p('INSERT INTO logs (run_id, step, attempt, stream, line, at) VALUES (?, ?, ?, ?, ?, ?)'),
    readLogs: p<LogRow>(`SELECT ${LOG_COLUMNS} FROM logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`),
    readStepLogs: p<LogRow>(
      `SELECT ${LOG_COLUMNS} FROM logs WHERE run_id = ? AND step = ? AND id > ? ORDER BY id LIMIT ?`,
    ),

    // Void holds: lease lapsed, owner listed in @dead or not registered.
    purgeHolds: p(
      'DELETE FROM lock_holds WHERE expires_at < @now OR owner_id IN (SELECT value FROM json_each(@dead)) ' +
        'OR owner_id NOT IN (SELECT id FROM owners)',
    ),
    // Void waiters: silent since @alive, or their owner is.
    purgeWaiters: p(
      'DELETE FROM lock_waiters WHERE seen_at < @alive OR owner_id IN (SELECT value FROM json_each(@dead)) ' +
        'OR owner_id NOT IN (SELECT id FROM owners)',
    ),
    holdsOn: p<LockHoldRow>(`SELECT ${LOCK_HOLD_COLUMNS} FROM lock_holds WHERE lock IN (SELECT value FROM json_each(?))`),
    allHolds: p<LockHoldRow>(`SELECT ${LOCK_HOLD_COLUMNS} FROM lock_holds ORDER BY acquired_at, lock, run_id, step, attempt`),
    lockQueue: p<LockWaiterRow>(`SELECT ${LOCK_WAITER_COLUMNS} FROM lock_waiters ORDER BY seq`),
    insertHold: p(`INSERT OR IGNORE INTO lock_holds (${LOCK_HOLD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    extendHolds: p('UPDATE lock_holds SET expires_at = ? WHERE owner_id = ?'),
    // A waiter keeps its seq (its place) while it polls; only seen_at moves.
    enqueue: p<LockWaiterRow>(
      'INSERT INTO lock_waiters (run_id, step, attempt, owner_id, claims, since, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (run_id, step, attempt) DO UPDATE SET seen_at = excluded.seen_at, owner_id = excluded.owner_id, claims = excluded.claims ' +
        `RETURNING ${LOCK_WAITER_COLUMNS}`,
    ),
    dequeue: p('DELETE FROM lock_waiters WHERE run_id = ? AND step = ? AND attempt = ?'),
    releaseHolds: p('DELETE FROM lock_holds WHERE run_id = ? AND step = ? AND attempt = ?'),

    insertNote: p<NoteRow>(`INSERT INTO notes (${NOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, ${NOTE_COLUMNS}`),
    // Best first: bm25() is lower for a better match; ties go to the newer note.
    searchNotes: p<NoteHitRow>(
      `SELECT ${NOTE_READ}, bm25(notes_fts) AS rank FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid ` +
        'WHERE notes_fts MATCH @match ORDER BY rank, n.id DESC LIMIT @limit',
    ),
    searchNotesIn: p<NoteHitRow>(
      `SELECT ${NOTE_READ}, bm25(notes_fts) AS rank FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid ` +
        'WHERE notes_fts MATCH @match AND n.category = @category ORDER BY rank, n.id DESC LIMIT @limit',
    ),
    recentNotes: p<NoteHitRow>(`SELECT ${NOTE_READ}, 0 AS rank FROM notes n ORDER BY n.created_at DESC, n.id DESC LIMIT @limit`),
    recentNotesIn: p<NoteHitRow>(
      `SELECT ${NOTE_READ}, 0 AS rank FROM notes n WHERE n.category = @category ORDER BY n.created_at DESC, n.id DESC LIMIT @limit`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/**
 * listRuns has optional filters; each combination gets its own statement (at most sixteen),
 * prepared on first use, so every shape can use its index.
 */
export class RunQueries {
  private readonly cache = new Map<string, Statement<Bind, RunRow>>();

  constructor(private readonly db: Database) {}

  list(filter: RunFilter): RunRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('status IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.status));
    }
    if (filter.workflowId !== undefined) {
      where.push('workflow_id = ?');
      params.push(filter.workflowId);
    }
    if (filter.before !== undefined) {
      where.push('created_at < ?');
      params.push(filter.before);
    }
    if (filter.parentRunId !== undefined) {
      where.push('parent_run_id = ?');
      params.push(filter.parentRunId);
    }
    params.push(filter.limit ?? -1);
    const sql =
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?';
    let statement = this.cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<Bind, RunRow>(sql);
      this.cache.set(sql, statement);
    }
    return statement.all(...params);
  }
}
