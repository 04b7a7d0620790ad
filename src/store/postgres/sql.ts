import { TERMINAL_RUN_STATUSES } from '../../engine/types.js';

/** Column lists shared by the statements and the row converters (../sqlite/rows.ts shapes). */
export const RUN_COLUMNS =
  'id, workflow_id, workflow_name, definition_hash, status, parameters, outputs, error, started_by, created_at, started_at, finished_at, ' +
  'parent_run_id, parent_step';
export const STEP_COLUMNS = 'key, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at';
export const REQUEST_COLUMNS = 'id, run_id, type, data, requested_by, at';
export const LOG_COLUMNS = 'id, run_id, step, attempt, stream, line, at';
export const LOCK_HOLD_COLUMNS = 'lock, run_id, step, attempt, owner_id, per_run, acquired_at, expires_at';
export const LOCK_WAITER_COLUMNS = 'seq, run_id, step, attempt, owner_id, claims, since';
export const NOTE_COLUMNS = 'id, text, category, tags, run_id, step, created_at, created_by';
export const DEFINITION_COLUMNS = 'hash, workflow_id, version, source, format, path, created_at';

/** Literal list built from the engine's constant, so SQL and engine agree on "finished". */
export const TERMINAL = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** `$1, $2, ... $n` from `from`. */
export function placeholders(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}
