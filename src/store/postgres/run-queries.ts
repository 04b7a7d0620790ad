import type pg from 'pg';
import type { RunFilter } from '../store.js';
import type { RunRow } from '../sqlite/rows.js';
import { RUN_COLUMNS } from './sql.js';

/** listRuns: only the filters given go into the WHERE clause, so each shape can use its index. */
export async function listRuns(c: pg.Pool, filter: RunFilter): Promise<RunRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.status !== undefined) where.push(`status = ANY(${param(filter.status)}::text[])`);
  if (filter.workflowId !== undefined) where.push(`workflow_id = ${param(filter.workflowId)}`);
  if (filter.before !== undefined) where.push(`created_at < ${param(filter.before)}`);
  if (filter.parentRunId !== undefined) where.push(`parent_run_id = ${param(filter.parentRunId)}`);
  const sql =
    `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY created_at DESC, id DESC LIMIT ${param(filter.limit ?? null)}`;
  return (await c.query<RunRow>(sql, params)).rows;
}
