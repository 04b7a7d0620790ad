import { closest, distance } from 'fastest-levenshtein';

/**
 * The known name a mistyped one most likely meant, or undefined when none is close. "Close"
 * is an edit distance of 1 for short names (4 characters or fewer) and 2 otherwise, so
 * `depend_on` finds `depends_on` but `type` does not find `tags`.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  // Two swapped neighbours (`evn` for `env`) cost 2 edits but are one slip of the fingers.
  const swapped = known.find((k) => isTransposition(name, k));
  if (swapped !== undefined) return swapped;
  const best = closest(name, [...known]);
  const limit = name.length <= 4 ? 1 : 2;
  return distance(name, best) <= limit ? best : undefined;
}

function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  let i = 0;
  while (a[i] === b[i]) i++;
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** ` Did you mean 'x'?` or '' (ready to append to a message). */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = closestName(name, known);
  return best === undefined ? '' : ` Did you mean '${best}'?`;
}

/** `a, b and c` (quoted), shortened with a count past `max` names. */
export function listNames(names: readonly string[], max = 12): string {
  const quoted = names.slice(0, max).map((n) => `'${n}'`);
  if (names.length > max) return `${quoted.join(', ')} and ${names.length - max} more`;
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}
