/**
 * Memory: notes (`remember`, `recall`, `cairn memory`) with an FTS5 index over text,
 * category and tags. The index is an external-content table (the text is stored once, in
 * `notes`); triggers keep it in step with every insert, update and delete, inside the
 * same statement and so the same transaction. `unicode61 remove_diacritics 2` makes
 * "café" and "cafe" one word; tags are indexed as their JSON text, whose brackets,
 * quotes and commas the tokenizer drops. Categories compare without (ASCII) case.
 */
export const name = 'memory';

export const sql = `
CREATE TABLE notes (
  id         INTEGER PRIMARY KEY,
  text       TEXT NOT NULL,
  category   TEXT COLLATE NOCASE,
  tags       TEXT NOT NULL DEFAULT '[]',
  run_id     TEXT,
  step       TEXT,
  created_at INTEGER NOT NULL,
  created_by TEXT
);
CREATE INDEX notes_by_created ON notes (created_at, id);
CREATE INDEX notes_by_category ON notes (category, created_at) WHERE category IS NOT NULL;

CREATE VIRTUAL TABLE notes_fts USING fts5(
  text, category, tags,
  content = 'notes', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts (rowid, text, category, tags) VALUES (new.id, new.text, new.category, new.tags);
END;
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
  INSERT INTO notes_fts (notes_fts, rowid, text, category, tags) VALUES ('delete', old.id, old.text, old.category, old.tags);
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE ON notes BEGIN
  INSERT INTO notes_fts (notes_fts, rowid, text, category, tags) VALUES ('delete', old.id, old.text, old.category, old.tags);
  INSERT INTO notes_fts (rowid, text, category, tags) VALUES (new.id, new.text, new.category, new.tags);
END;
`;
