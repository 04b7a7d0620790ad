import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { ActionFailure, type Action } from '../actions/action.js';
import type { Config } from '../config/index.js';
import { formatDiagnostic, loadDefinitionFile, parseDefinition, type ParsedDefinition } from '../definition/index.js';
import type { Run, Workflow } from '../engine/types.js';
import { checkLineage } from '../runtime/lineage.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ChildRequest } from '../runtime/subworkflow.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';
import { resolveParameters } from './parameters.js';
import { prepareRun } from './new-run.js';
import { checkDefinition } from './validate.js';
import type { McpToolSource } from './mcp-check.js';

/** What starting a child run needs of the application. */
export interface ChildHost {
  store: Store;
  actions: ReadonlyMap<string, Action>;
  config: Config;
  /** Keep the workflow and its working directory for the definition's hash (the app's caches). */
  remember(hash: string, workflow: Workflow, dir: string): void;
  runtime(): Promise<Runtime>;
  /** The app's MCP connections, so validating a child does not open its own. */
  mcp: McpToolSource;
}

/**
 * Start the child run of a `workflow` step, as `cairn run` starts a run: the definition is
 * found (a file next to the parent's, or a stored workflow id), validated at `standard`
 * level, checked against the parent chain (depth, cycles), its parameters resolved; then
 * the run is created owned by this process, linked to the parent step, and started.
 * Everything the user must fix is an ActionFailure that fails the step for good.
 */
export async function startChildRun(host: ChildHost, req: ChildRequest): Promise<Run> {
  const { parsed, dir, stored } = await locate(host.store, req.workflow, req.workdir);
  const report = await checkDefinition(parsed, req.workflow, 'standard', host.actions, host.config, { mcp: host.mcp });
  const workflow = report.workflow;
  if (!report.valid || !workflow) {
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.slice(0, 3).map(formatDiagnostic).join('\n');
    throw new ActionFailure(`child workflow '${req.workflow}' is not valid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${shown}`, 'CHILD_INVALID', { diagnostics: errors }, false);
  }
  await checkLineage(host.store, req.parent, { hash: parsed.hash, name: workflow.name });
  const parameters = childParameters(workflow, req);
  const run = await prepareRun(host.store, parsed, workflow, parameters, {
    definitionStored: stored,
    parent: { runId: req.parent.id, step: req.step },
    ...(req.parent.startedBy !== undefined ? { startedBy: req.parent.startedBy } : {}),
  });
  host.remember(parsed.hash, workflow, dir);
  const runtime = await host.runtime();
  await runtime.startRun(run, workflow);
  return runtime.snapshot(run.id) ?? run;
}

/**
 * A file when one exists at the path (relative to the parent's definition); otherwise, for
 * a plain name, the newest stored definition with that workflow id.
 */
async function locate(store: Store, ref: string, workdir: string): Promise<{ parsed: ParsedDefinition; dir: string; stored: boolean }> {
  const path = resolve(workdir, ref);
  if (existsSync(path) && statSync(path).isFile()) return { parsed: await loadDefinitionFile(path), dir: dirname(path), stored: false };
  const looksLikePath = /[/\\]/.test(ref) || ['.yaml', '.yml', '.json'].includes(extname(ref).toLowerCase());
  const def = looksLikePath ? undefined : await store.findDefinition(ref);
  if (!def) {
    const where = looksLikePath ? `there is no file ${path}` : `there is no file ${path}, and no run has stored a workflow with id '${ref}'`;
    throw new ActionFailure(`child workflow '${ref}' not found: ${where}`, 'CHILD_NOT_FOUND', { workflow: ref, path }, false);
  }
  const parsed = parseDefinition(def.source, { format: def.format, ...(def.path ? { path: def.path } : {}) });
  return { parsed, dir: def.path ? dirname(def.path) : workdir, stored: true };
}

function childParameters(workflow: Workflow, req: ChildRequest): Record<string, unknown> {
  try {
    return resolveParameters(workflow.parameters, req.parameters);
  } catch (err) {
    if (err instanceof CairnError) throw new ActionFailure(`child workflow '${workflow.name}': ${err.message}`, 'CHILD_INVALID', err.details, false);
    throw err;
  }
}
