import { configError, type ConfigDiagnostic } from './diagnostic.js';
import { didYouMean, quoteList } from './suggest.js';

/**
 * Check the keys of `concurrency:` against the built-in command names. A limit is kept per
 * built-in (a named command runs as its built-in, so it counts there); a key that names no
 * built-in would limit nothing, which is worse than refusing to start. Reads the data as
 * written and skips a section whose shape the schema already refused.
 */
export function checkConcurrency(concurrency: unknown, builtins: readonly string[], commands: unknown): ConfigDiagnostic[] {
  if (concurrency === null || typeof concurrency !== 'object' || Array.isArray(concurrency)) return [];
  const named = commands !== null && typeof commands === 'object' && !Array.isArray(commands) ? (commands as Record<string, unknown>) : {};
  const out: ConfigDiagnostic[] = [];
  for (const key of Object.keys(concurrency)) {
    if (builtins.includes(key)) continue;
    const spec = Object.prototype.hasOwnProperty.call(named, key) ? named[key] : undefined;
    const uses = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>).uses : undefined;
    const fix =
      typeof uses === 'string'
        ? `'${key}' is a named command: limit its built-in instead (\`${uses}: N\`)`
        : `the built-in commands are ${quoteList([...builtins].sort())}`;
    out.push(configError('CFG_UNKNOWN_KEY', `concurrency.${key}: '${key}' is not a built-in command.${didYouMean(key, builtins)}`.replace(/\.$/, ''), ['concurrency', key], fix));
  }
  return out;
}
