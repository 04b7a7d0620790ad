import type pg from 'pg';
import type { NewNote, Note, NoteHit } from '../../engine/types.js';
import { noteParams, toNote, toNoteHit, type NoteHitRow, type NoteRow } from '../sqlite/rows.js';
import { noteTerms, tsQuery } from './search-terms.js';
import { NOTE_COLUMNS } from './sql.js';

/** Search results when no limit is given, and the most a search returns. */
export const DEFAULT_NOTE_LIMIT = 10;
export const MAX_NOTE_LIMIT = 100;

/** Inserts the note with its search terms; the time is the database's when the note has none. */
export async function addNote(c: pg.Pool, note: NewNote): Promise<Note> {
  const [text, category, tags, runId, step, , createdBy] = noteParams(note, 0);
  const { rows } = await c.query<NoteRow>(
    'INSERT INTO notes (text, category, tags, run_id, step, created_at, created_by, terms) ' +
      'VALUES ($1, $2, $3, $4, $5, coalesce($6::bigint, cairn_now_ms()), $7, array_to_tsvector($8::text[])) ' +
      `RETURNING ${NOTE_COLUMNS}`,
    [text, category, tags, runId, step, note.createdAt ?? null, createdBy, noteTerms(note.text, note.category, note.tags)],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('INSERT INTO notes returned no row');
  return toNote(row);
}

/**
 * Ranked full-text search, best first: ts_rank sums over the query's terms a note holds,
 * so a note matching more of them ranks higher; ties go to the newer note. The score is
 * the rank (higher is better). A query without words lists the newest notes (score 0).
 * Categories compare without ASCII case, as in the SQLite store.
 */
export async function searchNotes(c: pg.Pool, query: string, opts: { limit?: number; category?: string }): Promise<NoteHit[]> {
  const limit = clampLimit(opts.limit);
  const tsquery = tsQuery(query);
  const category = opts.category ?? null;
  const inCategory = '($2::text IS NULL OR lower(category) = lower($2::text))';
  const { rows } =
    tsquery === undefined
      ? await c.query<NoteHitRow>(`SELECT ${NOTE_COLUMNS}, 0 AS rank FROM notes WHERE ${inCategory} ORDER BY created_at DESC, id DESC LIMIT $1`, [
          limit,
          category,
        ])
      : await c.query<NoteHitRow>(
          `SELECT ${NOTE_COLUMNS}, -ts_rank(terms, q) AS rank FROM notes, CAST($3 AS tsquery) AS q ` +
            `WHERE terms @@ q AND ${inCategory} ORDER BY rank, id DESC LIMIT $1`,
          [limit, category, tsquery],
        );
  // rank is -ts_rank, so toNoteHit's -rank is the score, as with SQLite's bm25.
  return rows.map(toNoteHit);
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_NOTE_LIMIT;
  return Math.min(MAX_NOTE_LIMIT, Math.max(1, Math.floor(limit)));
}
