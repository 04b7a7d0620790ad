import type { ErrorObject, ValidateFunction } from 'ajv';
import type { McpClients, McpTool } from '../actions/mcp-clients.js';
import type { McpServerConfig } from '../config/index.js';
import { VALIDATION_LEVELS, type Diagnostic, type ParsedDefinition, type ValidationLevel } from '../definition/index.js';
import { placed } from '../definition/parse.js';
import { closestName, listNames } from '../definition/suggest.js';
import { hasTemplate } from '../expressions/template.js';

/**
 * Validation of `mcp` steps against the configured servers (loaded only for workflows that
 * have such steps). From `standard` up: the server is configured; for a literal tool name,
 * the server offers it (connecting to ask) and the literal arguments satisfy its input
 * schema. A server that cannot be reached is a warning, since it may be down only now;
 * `paranoid` makes it an error and asks every server used, whatever its steps hold.
 */

/** Time to reach one server and list its tools during validation. */
export const MCP_CHECK_TIMEOUT_MS = 10_000;

/** The tools of a server, as the pool answers (a stand-in in tests). */
export type McpToolSource = Pick<McpClients, 'tools'>;

/** An `mcp` action in the definition: a step's own, or its rollback's. */
interface Site {
  step: string;
  parameters: Record<string, unknown>;
  /** From the root to the step (or its `rollback`). */
  path: (string | number)[];
}

/** True when the workflow has an `mcp` step or rollback (only then is this module loaded). */
export function usesMcp(parsed: ParsedDefinition): boolean {
  return sitesOf(parsed).length > 0;
}

export async function checkMcpSteps(parsed: ParsedDefinition, level: ValidationLevel, servers: Readonly<Record<string, McpServerConfig>>, source?: McpToolSource): Promise<Diagnostic[]> {
  const rank = VALIDATION_LEVELS.indexOf(level);
  if (rank < VALIDATION_LEVELS.indexOf('standard')) return [];
  const paranoid = level === 'paranoid';
  const out: Diagnostic[] = [];
  // A problem with an argument's name points at the name.
  const push = (d: Diagnostic, part: 'key' | 'value' = 'value') => {
    const pos = part === 'key' ? parsed.positions.locate(d.path, 'key') : undefined;
    out.push(placed(pos ? { ...d, line: pos.line, col: pos.col } : d, parsed.positions, parsed.path));
  };
  const names = Object.keys(servers).sort();
  const byServer = new Map<string, Site[]>();
  for (const site of sitesOf(parsed)) {
    const server = site.parameters.server;
    if (typeof server !== 'string' || hasTemplate(server)) continue;
    if (!Object.hasOwn(servers, server)) {
      push(unknownServer(site, server, names));
      continue;
    }
    byServer.set(server, [...(byServer.get(server) ?? []), site]);
  }
  // Ask a server only when there is something to check, or when paranoid wants to know it is there.
  const asked = [...byServer].filter(([, sites]) => paranoid || sites.some((s) => literalTool(s) !== undefined));
  if (asked.length === 0) return out;
  const pool = source ?? (await temporaryPool(servers));
  try {
    const answers = await Promise.all(asked.map(async ([server, sites]) => ({ server, sites, tools: await pool.tools(server, { timeoutMs: MCP_CHECK_TIMEOUT_MS }).catch((error: unknown) => error as Error) })));
    const ajv = await newAjv();
    for (const { server, sites, tools } of answers) {
      if (tools instanceof Error) {
        push(unreachable(sites, server, tools, paranoid));
        continue;
      }
      for (const site of sites) checkSite(site, server, tools, ajv, push);
    }
  } finally {
    if (!source) await (pool as McpClients).close();
  }
  return inFileOrder(out);
}

function inFileOrder(diagnostics: Diagnostic[]): Diagnostic[] {
  const at = (d: Diagnostic) => (d.line === undefined ? Number.MAX_SAFE_INTEGER : d.line * 1e6 + (d.col ?? 0));
  return [...diagnostics].sort((a, b) => at(a) - at(b));
}

function checkSite(site: Site, server: string, tools: McpTool[], ajv: Ajv, push: (d: Diagnostic, part?: 'key' | 'value') => void): void {
  const name = literalTool(site);
  if (name === undefined) return;
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    const known = tools.map((t) => t.name).sort();
    const near = closestName(name, known);
    push({
      severity: 'error',
      code: 'DEF_UNKNOWN_MCP_TOOL',
      message: `step '${site.step}': MCP server '${server}' has no tool '${name}'.${near ? ` Did you mean '${near}'?` : ''} Its tools: ${known.length > 0 ? listNames(known, 30) : 'none'}`,
      path: [...site.path, 'parameters', 'tool'],
      ...(near ? { fix: `tool: ${near}` } : {}),
    });
    return;
  }
  const args = site.parameters.arguments ?? {};
  // A whole template, or not an object (the command's own schema says so): nothing to check here.
  if (hasTemplate(args) || args === null || typeof args !== 'object' || Array.isArray(args)) return;
  const base = [...site.path, 'parameters', 'arguments'];
  for (const d of undeclared(args as Record<string, unknown>, tool.inputSchema)) {
    push({ severity: 'warning', code: 'DEF_MCP_ARGUMENTS', message: `step '${site.step}': arguments of tool '${name}' on MCP server '${server}': ${d.message}`, path: [...base, d.key], fix: d.fix }, 'key');
  }
  const validate = ajv.compile(tool.inputSchema);
  if (!validate || validate(args)) return;
  for (const error of validate.errors ?? []) {
    const at = pointer(error.instancePath);
    // A value that is (or sits under) a template is known only when the step starts.
    if (templatedAlong(args, at)) continue;
    const { message, path, fix } = describeArgumentError(error, at, tool.inputSchema);
    push({ severity: 'error', code: 'DEF_MCP_ARGUMENTS', message: `step '${site.step}': arguments of tool '${name}' on MCP server '${server}': ${message}`, path: [...base, ...path], ...(fix ? { fix } : {}) }, error.keyword === 'additionalProperties' ? 'key' : 'value');
  }
}

function describeArgumentError(error: ErrorObject, at: string[], schema: Record<string, unknown>): { message: string; path: string[]; fix?: string } {
  const where = at.length === 0 ? 'the arguments' : `'${at.join('.')}'`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const extra = String(params.additionalProperty);
    const known = Object.keys(propertiesAt(schema, at));
    const near = closestName(extra, known);
    return {
      message: `unknown argument '${[...at, extra].join('.')}'.${near ? ` Did you mean '${near}'?` : ''}${known.length > 0 ? ` The tool takes ${listNames(known)}` : ''}`,
      path: [...at, extra],
      fix: near ? `rename '${extra}' to '${near}'` : `remove '${extra}'`,
    };
  }
  if (error.keyword === 'required') return { message: `missing required argument '${[...at, String(params.missingProperty)].join('.')}'`, path: at };
  if (error.keyword === 'enum') return { message: `${where} must be one of ${JSON.stringify(params.allowedValues)}`, path: at };
  return { message: `${where} ${error.message ?? 'is invalid'}`, path: at };
}

/**
 * Arguments the schema does not name, where it says nothing about others: JSON Schema lets
 * them through and most servers drop them, so a misspelt optional argument would vanish
 * without a word. A warning, since the schema allows it.
 */
function undeclared(args: Record<string, unknown>, schema: Record<string, unknown>): { key: string; message: string; fix: string }[] {
  if (schema.additionalProperties !== undefined || schema.patternProperties !== undefined) return [];
  const known = Object.keys(propertiesAt(schema, []));
  return Object.keys(args)
    .filter((key) => !known.includes(key))
    .map((key) => {
      const near = closestName(key, known);
      return {
        key,
        message: `'${key}' is not one of the tool's arguments, so the server will probably ignore it.${near ? ` Did you mean '${near}'?` : ''}${known.length > 0 ? ` The tool takes ${listNames(known)}` : ''}`,
        fix: near ? `rename '${key}' to '${near}'` : `remove '${key}'`,
      };
    });
}

/** The `properties` of the (object) schema at a data path, following `properties` only. */
function propertiesAt(schema: Record<string, unknown>, at: string[]): Record<string, unknown> {
  let node: unknown = schema;
  for (const key of at) node = (node as { properties?: Record<string, unknown> } | undefined)?.properties?.[key];
  const properties = (node as { properties?: unknown } | undefined)?.properties;
  return properties !== null && typeof properties === 'object' ? (properties as Record<string, unknown>) : {};
}

function unknownServer(site: Site, server: string, names: string[]): Diagnostic {
  const near = closestName(server, names);
  const known = names.length === 0 ? 'the configuration has no mcp_servers' : `configured servers: ${listNames(names)}`;
  return {
    severity: 'error',
    code: 'DEF_UNKNOWN_MCP_SERVER',
    message: `step '${site.step}' calls MCP server '${server}', which the configuration does not have.${near ? ` Did you mean '${near}'?` : ''} (${known})`,
    path: [...site.path, 'parameters', 'server'],
    fix: near ? `server: ${near}` : `add it to cairn.yaml:\nmcp_servers:\n  ${server}:\n    command: [npx, -y, <package>]   # or url: https://...`,
  };
}

function unreachable(sites: Site[], server: string, error: Error, paranoid: boolean): Diagnostic {
  const first = sites[0] as Site;
  const steps = listNames(sites.map((s) => s.step));
  return {
    severity: paranoid ? 'error' : 'warning',
    code: 'DEF_MCP_UNREACHABLE',
    message: `MCP server '${server}' (used by ${steps}) could not be reached to check its tools: ${error.message.replace(/\s*\n\s*/g, ' | ')}`,
    path: [...first.path, 'parameters', 'server'],
    fix: paranoid ? 'start the server, or check its entry under mcp_servers in cairn.yaml' : 'tools and arguments were not checked; they will be when the step runs',
  };
}

function sitesOf(parsed: ParsedDefinition): Site[] {
  const sites: Site[] = [];
  parsed.workflow?.steps.forEach((step, i) => {
    if (step.command === 'mcp') sites.push({ step: step.id, parameters: step.parameters, path: ['steps', i] });
    if (step.rollback?.command === 'mcp') sites.push({ step: `${step.id}.rollback`, parameters: step.rollback.parameters, path: ['steps', i, 'rollback'] });
  });
  return sites;
}

function literalTool(site: Site): string | undefined {
  const tool = site.parameters.tool;
  return typeof tool === 'string' && tool !== '' && !hasTemplate(tool) ? tool : undefined;
}

/** JSON Pointer (`/a/0/b~1c`) to keys. */
function pointer(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function templatedAlong(root: unknown, path: readonly string[]): boolean {
  let node = root;
  if (hasTemplate(node)) return true;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[key];
    if (hasTemplate(node)) return true;
  }
  return false;
}

/** Compiles input schemas (draft-07, or 2020-12 when the schema says so); undefined when one does not compile. */
interface Ajv {
  compile(schema: Record<string, unknown>): ValidateFunction | undefined;
}

async function newAjv(): Promise<Ajv> {
  // ajv is CommonJS: its class is the module's default export, or that export's `default`.
  type AjvClass = typeof import('ajv').default;
  const load = async (mod: Promise<unknown>) => {
    const m = (await mod) as { default: AjvClass & { default?: AjvClass } };
    return m.default.default ?? m.default;
  };
  const [Draft7, Draft2020] = await Promise.all([load(import('ajv')), load(import('ajv/dist/2020.js'))]);
  const draft7 = new Draft7({ allErrors: true, strict: false });
  const draft2020 = new Draft2020({ allErrors: true, strict: false });
  return {
    compile(schema) {
      const modern = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12');
      try {
        return (modern ? draft2020 : draft7).compile(schema);
      } catch {
        return undefined; // a schema Cairn cannot compile is the server's business: the call will tell
      }
    },
  };
}

async function temporaryPool(servers: Readonly<Record<string, McpServerConfig>>): Promise<McpClients> {
  const { McpClients } = await import('../actions/mcp-clients.js');
  return new McpClients(servers);
}
