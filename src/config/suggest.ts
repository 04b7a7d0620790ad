import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name a mistyped one most likely meant: within 1 edit for names of up to 4
 * characters, 2 otherwise, or two swapped neighbouring letters. Undefined when none is close.
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = name.toLowerCase();
  const exactish = known.find((k) => k.toLowerCase() === lower || k === lower.replace(/-/g, '_'));
  if (exactish !== undefined) return exactish;
  const swapped = known.find((k) => swapsTwo(lower, k));
  if (swapped !== undefined) return swapped;
  const best = closest(lower, [...known]);
  return distance(lower, best) <= (lower.length <= 4 ? 1 : 2) ? best : undefined;
}

function swapsTwo(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === (diff[0] ?? -2) + 1 && a[diff[0] ?? 0] === b[diff[1] ?? 0] && a[diff[1] ?? 0] === b[diff[0] ?? 0];
}

/** ` Did you mean 'x'?`, or '' when nothing is close. */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = nearestName(name, known);
  return best === undefined ? '' : ` Did you mean '${best}'?`;
}

/** `'a', 'b' and 'c'`. */
export function quoteList(names: readonly string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}
