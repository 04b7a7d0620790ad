/**
 * Full-text terms computed by Cairn rather than by PostgreSQL's text parser, whose idea of
 * a letter depends on the database's locale (under C, "Диск" has no words). A term is a
 * run of Unicode letters, digits and marks, lower-cased with its diacritics removed
 * ("Café" -> "cafe"), as SQLite's unicode61 tokenizer with remove_diacritics does. Notes
 * store their terms as a tsvector; a query becomes a tsquery literal of quoted terms
 * joined by OR (a note matching more of them ranks higher), the last one a prefix. The
 * tsquery is built from terms alone, so no text a person types can make it fail.
 */

/** More words than this add cost without changing the best hits. */
export const MAX_QUERY_WORDS = 32;
/** PostgreSQL refuses lexemes of 2 KiB and more; a word this long is noise anyway. */
const MAX_TERM_LENGTH = 200;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MARKS = /\p{M}+/gu;

function fold(word: string): string {
  return word.normalize('NFD').replace(MARKS, '').toLowerCase();
}

/** The distinct terms of a text, in order of first appearance. */
export function terms(text: string, max = Number.POSITIVE_INFINITY): string[] {
  const seen = new Set<string>();
  for (const [word] of text.matchAll(WORD)) {
    const term = fold(word);
    if (term === '' || term.length > MAX_TERM_LENGTH || seen.has(term)) continue;
    seen.add(term);
    if (seen.size === max) break;
  }
  return [...seen];
}

/** What a note is found by: its text, category and tags. */
export function noteTerms(text: string, category: string | undefined, tags: readonly string[]): string[] {
  return terms([text, category ?? '', ...tags].join(' '));
}

/** The tsquery literal for a query, or undefined when it has no words (list the newest notes instead). */
export function tsQuery(query: string): string | undefined {
  const words = terms(query, MAX_QUERY_WORDS);
  if (words.length === 0) return undefined;
  // A term holds only letters, digits and marks: no quote or backslash to escape.
  const quoted = words.map((w) => `'${w}'`);
  quoted[quoted.length - 1] += ':*';
  return quoted.join(' | ');
}
