import { configError, type ConfigDiagnostic } from './diagnostic.js';
import { label } from './issues.js';
import { ENV_REFERENCE_START, isHttpUrl } from './schema.js';

/** The process environment, or any map of variable names to values. */
export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\{env:([^}]*)\}/g;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A diagnostic about one reference, with the offset of the reference inside the string. */
export interface ReferenceProblem {
  diagnostic: ConfigDiagnostic;
  within: number;
}

/**
 * Replace each `${env:NAME}` in `text` with the variable's value. Secrets (webhook URLs,
 * tokens in headers) stay out of the file this way. A variable that is unset or empty is an
 * error: sending a request with an empty token would fail later, and less clearly.
 */
export function resolveEnvReferences(text: string, env: Environment, path: (string | number)[]): { value: string; problems: ReferenceProblem[] } {
  const problems: ReferenceProblem[] = [];
  const value = text.replace(REFERENCE, (whole, name: string, offset: number) => {
    if (!VARIABLE.test(name)) {
      problems.push({ within: offset, diagnostic: configError('CFG_ENV_REFERENCE', `${label(path)}: '${whole}' is not a valid reference: a variable name is letters, digits and _, not starting with a digit`, path, 'write ${env:NAME}, e.g. ${env:SLACK_WEBHOOK_URL}') });
      return whole;
    }
    const found = env[name];
    if (found === undefined || found === '') {
      problems.push({ within: offset, diagnostic: configError('CFG_ENV_MISSING', `${label(path)}: reads the environment variable ${name}, which is ${found === undefined ? 'not set' : 'empty'}`, path, `set ${name} in the environment Cairn starts in (export ${name}=...), or remove the reference`) });
      return whole;
    }
    return found;
  });
  // `${env:` that never closes is a typo the pattern above does not see.
  const open = text.lastIndexOf(ENV_REFERENCE_START);
  if (open >= 0 && !text.includes('}', open)) {
    problems.push({ within: open, diagnostic: configError('CFG_ENV_REFERENCE', `${label(path)}: '${ENV_REFERENCE_START}' without a closing '}'`, path, 'write ${env:NAME}') });
  }
  return { value, problems };
}

/**
 * Paths of strings outside `resolved` that hold `${env:`: they stay as written, which is
 * worth a warning (the user probably expected a secret there).
 */
export function unresolvedReferences(value: unknown, isResolved: (path: (string | number)[]) => boolean, path: (string | number)[] = []): (string | number)[][] {
  if (isResolved(path)) return [];
  if (typeof value === 'string') return value.includes(ENV_REFERENCE_START) ? [path] : [];
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, item]) => unresolvedReferences(item, isResolved, [...path, key]));
}

/** Where `${env:NAME}` is resolved: `notify.channels.<name>.url` and `.headers.<header>`. */
export function isResolvedPath(path: (string | number)[]): boolean {
  if (path[0] !== 'notify' || path[1] !== 'channels') return false;
  return (path.length === 4 && path[3] === 'url') || (path.length === 5 && path[3] === 'headers');
}

/**
 * A copy of the data with `${env:NAME}` resolved in channel urls and header values. Only
 * the resolved strings are copied; a resolved url must still be an http(s) URL, and says so
 * without printing the secret.
 */
export function resolveChannelSecrets(raw: Record<string, unknown>, env: Environment): { data: Record<string, unknown>; problems: ReferenceProblem[] } {
  const problems: ReferenceProblem[] = [];
  const notify = raw.notify as { channels?: unknown } | null | undefined;
  const channels = notify !== null && typeof notify === 'object' ? notify.channels : undefined;
  if (channels === null || typeof channels !== 'object' || Array.isArray(channels)) return { data: raw, problems };
  const resolvedChannels: Record<string, unknown> = {};
  for (const [name, channel] of Object.entries(channels as Record<string, unknown>)) {
    if (channel === null || typeof channel !== 'object' || Array.isArray(channel)) {
      define(resolvedChannels, name, channel);
      continue;
    }
    const copy: Record<string, unknown> = { ...(channel as Record<string, unknown>) };
    const resolve = (text: string, path: (string | number)[]): string => {
      const { value, problems: found } = resolveEnvReferences(text, env, path);
      problems.push(...found);
      return value;
    };
    if (typeof copy.url === 'string' && copy.url.includes(ENV_REFERENCE_START)) {
      const path = ['notify', 'channels', name, 'url'];
      const before = problems.length;
      const url = resolve(copy.url, path);
      copy.url = url;
      if (problems.length === before && !isHttpUrl(url)) {
        problems.push({ within: 0, diagnostic: configError('CFG_TYPE', `${label(path)}: after resolving \${env:...} the value is not an http:// or https:// URL`, path, 'check the variable holds the full URL, e.g. https://hooks.example.com/...') });
      }
    }
    const headers = copy.headers;
    if (headers !== null && typeof headers === 'object' && !Array.isArray(headers)) {
      const out: Record<string, unknown> = {};
      for (const [header, value] of Object.entries(headers as Record<string, unknown>)) {
        const path = ['notify', 'channels', name, 'headers', header];
        const text = typeof value === 'string' ? resolve(value, path) : value;
        // A line break would end the header and start another: header injection.
        if (typeof text === 'string' && text !== value && /[\r\n]/.test(text)) {
          problems.push({ within: 0, diagnostic: configError('CFG_TYPE', `${label(path)}: after resolving \${env:...} the value holds a line break, which an HTTP header cannot`, path, 'remove the line break from the variable (a trailing newline from a file, perhaps)') });
        }
        define(out, header, text);
      }
      copy.headers = out;
    }
    define(resolvedChannels, name, copy);
  }
  return { data: { ...raw, notify: { ...(notify as object), channels: resolvedChannels } }, problems };
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
