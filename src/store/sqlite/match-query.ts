/**
 * Turns what a person typed into an FTS5 MATCH expression that cannot fail. The text is
 * never handed to MATCH as is: FTS5 reads `"`, `*`, `:`, `-`, `^`, `(`, `NEAR`, `AND`,
 * `OR` and `NOT` as syntax, so a stray quote is an error and `a AND b` means something
 * else. Instead every word (a run of Unicode letters, digits and marks) becomes a quoted
 * string, and the strings are joined with OR so that a note matching more of them ranks
 * higher (BM25). The last word also matches as a prefix, for search as you type.
 */

/** More words than this add cost without changing the best hits. */
export const MAX_QUERY_WORDS = 32;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words of a query, in order, without repeats (compared without case). */
export function queryWords(query: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const [word] of query.matchAll(WORD)) {
    const key = word.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    words.push(word);
    if (words.length === MAX_QUERY_WORDS) break;
  }
  return words;
}

/** The MATCH expression for a query, or undefined when it has no words (list the newest notes instead). */
export function ftsMatch(query: string): string | undefined {
  const words = queryWords(query);
  if (words.length === 0) return undefined;
  // A word holds no `"` (WORD excludes it), so quoting needs no escaping.
  const terms = words.map((w) => `"${w}"`);
  terms[terms.length - 1] += '*';
  return terms.join(' OR ');
}
