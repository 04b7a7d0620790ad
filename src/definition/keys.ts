import type { Diagnostic } from './diagnostic.js';
import { closestName } from './suggest.js';

/**
 * Names people reach for from other tools (GitHub Actions, Airflow, Argo). They are too far
 * from the right key for the edit-distance check, but just as surely a mistake.
 */
const FAMILIAR_MISTAKES = new Map<string, string>(Object.entries({
  needs: 'depends_on',
  depends: 'depends_on',
  dependencies: 'depends_on',
  after: 'depends_on',
  when: 'if',
  condition: 'if',
  foreach: 'for_each',
  loop: 'for_each',
  with_items: 'for_each',
  with: 'parameters',
  params: 'parameters',
  args: 'parameters',
  inputs: 'parameters',
  timeout: 'timeout_seconds',
  timeout_minutes: 'timeout_seconds',
  retries: 'retry',
  continue_on_failure: 'continue_on_error',
  ignore_errors: 'continue_on_error',
  parallelism: 'max_parallel',
  concurrency_limit: 'max_parallel',
}));

/**
 * Check the keys of one mapping against the known ones. A key that looks like a typo of a
 * known key (or a familiar name from another tool) is an error with the fix; any other
 * unknown key is kept as metadata with a warning, never silently dropped.
 */
export function checkKeys(value: Record<string, unknown>, known: readonly string[], path: (string | number)[], where: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const meant = intendedKey(key, known);
    if (meant) {
      diagnostics.push({
        severity: 'error',
        code: 'DEF_UNKNOWN_KEY',
        message: `unknown key '${key}' in ${where}. Did you mean '${meant}'?`,
        path: [...path, key],
        fix: `rename '${key}' to '${meant}'`,
      });
    } else {
      diagnostics.push({
        severity: 'warning',
        code: 'DEF_EXTRA_KEY',
        message: `unknown key '${key}' in ${where}: kept as metadata (Cairn does not act on it)`,
        path: [...path, key],
      });
    }
  }
  return diagnostics;
}

function intendedKey(key: string, known: readonly string[]): string | undefined {
  // dependsOn, Depends-On and DEPENDS_ON all mean depends_on.
  const snake = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
  if (snake !== key && known.includes(snake)) return snake;
  const familiar = FAMILIAR_MISTAKES.get(snake);
  if (familiar !== undefined && known.includes(familiar)) return familiar;
  return closestName(snake, known);
}
