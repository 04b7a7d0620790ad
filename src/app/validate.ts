import { resolve } from 'node:path';
import { actionCatalog, builtinSpecs } from '../actions/catalog.js';
import type { ActionSpec } from '../actions/spec.js';
import { checkPools, loadDefinitionFile, planWorkflow, validateWorkflow, VALIDATION_LEVELS, workflowJsonSchema, type ParsedDefinition, type ValidationLevel } from '../definition/index.js';
import type { ValidationReport } from './cairn.js';
import type { Config } from '../config/index.js';
import { applyConfig } from './named-commands.js';
import { isTemplateRef, templatePath } from './templates.js';
import { loadSettings } from './settings.js';
import { stepCount } from './limits.js';
import { checkMcpSteps, usesMcp, type McpToolSource } from './mcp-check.js';
import { checkSecrets } from './secret-check.js';
import { Secrets } from './secrets.js';

/**
 * Validation needs no store and no runtime: kept apart from `Cairn` so that
 * `cairn validate` starts fast. It knows the commands by their specs (actions/catalog.ts),
 * never by the actions that run them.
 */
export async function validateFile(file: string, level: ValidationLevel | undefined, opts: { cwd?: string; config?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ValidationReport> {
  const cwd = opts.cwd ?? process.cwd();
  const config = await loadSettings({ cwd, env: opts.env ?? process.env, ...(opts.config ? { configPath: opts.config } : {}) });
  const secrets = new Secrets(undefined, { env: opts.env ?? process.env, ...config.secrets });
  return checkDefinition(await loadDefinitionFile(isTemplateRef(file) ? templatePath(file) : resolve(cwd, file)), file, level ?? config.defaults.validationLevel, builtinSpecs(), config, { secrets });
}

/**
 * The parse's diagnostics plus the level's checks against the commands this Cairn knows.
 * `mcp` is the process's pool of MCP connections, when it has one (else validation opens
 * its own, briefly, for a workflow with `mcp` steps).
 */
export async function checkDefinition(parsed: ParsedDefinition, file: string, level: ValidationLevel, actions: ReadonlyMap<string, ActionSpec>, config: Config, opts: { mcp?: McpToolSource; secrets?: Pick<Secrets, 'unresolved' | 'consulted'> } = {}): Promise<ValidationReport> {
  if (parsed.workflow) applyConfig(parsed.workflow, config);
  const diagnostics = [...parsed.diagnostics, ...stepCount(parsed, config.limits.maxSteps)];
  if (parsed.workflow && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push(...(await validateWorkflow(parsed, level, actionCatalog(actions))));
    // Pools live in the configuration, which the definition layer does not see.
    if (VALIDATION_LEVELS.indexOf(level) >= VALIDATION_LEVELS.indexOf('strict')) diagnostics.push(...checkPools(parsed, Object.keys(config.pools)));
    // MCP servers too: asking them is the only way to know their tools.
    if (usesMcp(parsed)) diagnostics.push(...(await checkMcpSteps(parsed, level, config.mcpServers, opts.mcp)));
    if (opts.secrets && VALIDATION_LEVELS.indexOf(level) >= VALIDATION_LEVELS.indexOf('strict')) diagnostics.push(...(await checkSecrets(parsed, opts.secrets)));
  }
  const valid = !diagnostics.some((d) => d.severity === 'error');
  const report: ValidationReport = { file, level, valid, diagnostics };
  if (parsed.workflow) {
    report.workflow = parsed.workflow;
    if (valid && level === 'paranoid') report.plan = planWorkflow(parsed.workflow);
  }
  return report;
}

export function workflowSchema(): object {
  return workflowJsonSchema();
}
