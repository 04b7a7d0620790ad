import { configError } from './diagnostic.js';
import { resolveEnvReferences, type Environment, type ReferenceProblem } from './env-references.js';
import { label } from './issues.js';
import { ENV_REFERENCE_START, isHttpUrl } from './schema.js';

/**
 * `${env:NAME}` in `mcp_servers`: a server's `url`, its header values and its `env`
 * values, so tokens stay out of the file. A program's `command` is not resolved: an
 * argument is visible to every user of the machine (`ps`), a secret belongs in `env`.
 */
export function isMcpSecretPath(path: (string | number)[]): boolean {
  if (path[0] !== 'mcp_servers') return false;
  return (path.length === 3 && path[2] === 'url') || (path.length === 4 && (path[2] === 'headers' || path[2] === 'env'));
}

/** A copy of the data with the references in `mcp_servers` resolved; the rest is shared. */
export function resolveMcpSecrets(raw: Record<string, unknown>, env: Environment): { data: Record<string, unknown>; problems: ReferenceProblem[] } {
  const problems: ReferenceProblem[] = [];
  const servers = raw.mcp_servers;
  if (!isMapping(servers)) return { data: raw, problems };
  const resolve = (text: string, path: (string | number)[]): string => {
    const { value, problems: found } = resolveEnvReferences(text, env, path);
    problems.push(...found);
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const [name, server] of Object.entries(servers)) {
    if (!isMapping(server)) {
      define(out, name, server);
      continue;
    }
    const copy: Record<string, unknown> = { ...server };
    if (typeof copy.url === 'string' && copy.url.includes(ENV_REFERENCE_START)) {
      const path = ['mcp_servers', name, 'url'];
      const before = problems.length;
      copy.url = resolve(copy.url, path);
      if (problems.length === before && !isHttpUrl(copy.url as string)) {
        problems.push({ within: 0, diagnostic: configError('CFG_TYPE', `${label(path)}: after resolving \${env:...} the value is not an http:// or https:// URL`, path, 'check the variable holds the full URL, e.g. https://mcp.example.com/mcp') });
      }
    }
    for (const key of ['headers', 'env'] as const) {
      const values = copy[key];
      if (!isMapping(values)) continue;
      const resolved: Record<string, unknown> = {};
      for (const [entry, value] of Object.entries(values)) {
        const path = ['mcp_servers', name, key, entry];
        const text = typeof value === 'string' ? resolve(value, path) : value;
        // A line break would end the header and start another: header injection.
        if (key === 'headers' && typeof text === 'string' && text !== value && /[\r\n]/.test(text)) {
          problems.push({ within: 0, diagnostic: configError('CFG_TYPE', `${label(path)}: after resolving \${env:...} the value holds a line break, which an HTTP header cannot`, path, 'remove the line break from the variable (a trailing newline from a file, perhaps)') });
        }
        define(resolved, entry, text);
      }
      copy[key] = resolved;
    }
    define(out, name, copy);
  }
  return { data: { ...raw, mcp_servers: out }, problems };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
