import type { NewNote, Note, NoteHit } from '../../engine/types.js';
import { ftsMatch } from './match-query.js';
import { noteParams, toNote, toNoteHit } from './rows.js';
import type { Statements } from './statements.js';

/** Search results when no limit is given, and the most a search returns. */
export const DEFAULT_NOTE_LIMIT = 10;
export const MAX_NOTE_LIMIT = 100;

/** Inserts the note; the FTS index follows by trigger, in the same statement. */
export function addNote(s: Statements, note: NewNote, now: number): Note {
  const row = s.insertNote.get(...noteParams(note, note.createdAt ?? now));
  if (row === undefined) throw new Error('INSERT INTO notes returned no row');
  return toNote(row);
}

/** Ranked full-text search; a query without words lists the newest notes (score 0). */
export function searchNotes(s: Statements, query: string, opts: { limit?: number; category?: string }): NoteHit[] {
  const limit = clampLimit(opts.limit);
  const match = ftsMatch(query);
  const { category } = opts;
  const rows =
    match === undefined
      ? category === undefined
        ? s.recentNotes.all({ limit })
        : s.recentNotesIn.all({ limit, category })
      : category === undefined
        ? s.searchNotes.all({ match, limit })
        : s.searchNotesIn.all({ match, limit, category });
  return rows.map(toNoteHit);
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_NOTE_LIMIT;
  return Math.min(MAX_NOTE_LIMIT, Math.max(1, Math.floor(limit)));
}
