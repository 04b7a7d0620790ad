import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseDefinition, planWorkflow } from '../definition/index.js';
import type { Run, Workflow } from '../engine/types.js';
import type { CatalogEntry, PastRun } from '../insight/model.js';
import type { Store, StoredDefinition } from '../store/store.js';
import { templatesDir } from './templates.js';

/*
 * What the suggestion ranker reads, gathered from the store and the templates folder: one
 * catalog entry per workflow a person could run (a built-in template as `template:NAME`,
 * every stored workflow by id) and the past runs mapped onto those entries.
 */

export interface Sources {
  entries: CatalogEntry[];
  /** Definition hash -> entry key, for runs. */
  byHash: Map<string, string>;
  /** A run's workflow id -> entry key, when its hash is not known. */
  byId: Map<string, string>;
}

/** Parsed bodies by hash: a stored body never changes, so parse each once per process. */
const parsed = new Map<string, Workflow | null>();

function workflowOf(def: Pick<StoredDefinition, 'hash' | 'source' | 'format'>): Workflow | undefined {
  let w = parsed.get(def.hash);
  if (w === undefined) {
    w = parseDefinition(def.source, { format: def.format }).workflow ?? null;
    parsed.set(def.hash, w);
  }
  return w ?? undefined;
}

export async function loadSources(store: Store, templates = templatesDir()): Promise<Sources> {
  const entries: CatalogEntry[] = [];
  const byHash = new Map<string, string>();
  const byId = new Map<string, string>();
  for (const t of await readTemplates(templates)) {
    const key = `template:${t.name}`;
    entries.push(entryOf(key, t.workflow, [t.workflow.id]));
    byHash.set(t.hash, key);
    byId.set(key, key);
    if (!byId.has(t.workflow.id)) byId.set(t.workflow.id, key);
  }
  const newest = new Map<string, StoredDefinition>();
  for (const def of await store.listDefinitions()) newest.set(def.workflowId, def);
  for (const [id, def] of [...newest].sort(([a], [b]) => a.localeCompare(b))) {
    // A template that was run is stored under its own id: it is the template, not another workflow.
    if (byHash.has(def.hash) || (def.path !== undefined && def.path.startsWith(templates))) continue;
    const workflow = workflowOf(def);
    if (!workflow) continue;
    entries.push(entryOf(id, workflow, []));
    byId.set(id, id);
  }
  return { entries, byHash, byId };
}

/** The catalog entry a run belongs to, if any is still known. */
export function entryOfRun(sources: Sources, run: Pick<Run, 'definitionHash' | 'workflowId'>): string | undefined {
  return sources.byHash.get(run.definitionHash) ?? sources.byId.get(run.workflowId);
}

export function pastRuns(sources: Sources, runs: Run[]): PastRun[] {
  const out: PastRun[] = [];
  for (const run of runs) {
    const workflow = entryOfRun(sources, run);
    if (workflow !== undefined) out.push({ workflow, status: run.status, createdAt: run.createdAt, parameters: run.parameters });
  }
  return out;
}

function entryOf(key: string, workflow: Workflow, aliases: string[]): CatalogEntry {
  return {
    workflow: key,
    ...(aliases.length > 0 ? { aliases } : {}),
    name: workflow.name,
    ...(workflow.description !== undefined ? { description: workflow.description } : {}),
    ...(workflow.category !== undefined ? { category: workflow.category } : {}),
    tags: workflow.tags,
    steps: stepsInOrder(workflow),
    parameters: workflow.parameters,
  };
}

/** Steps in plan order, each with the command as written (a configured name, not its built-in). */
function stepsInOrder(workflow: Workflow): CatalogEntry['steps'] {
  const byId = new Map(workflow.steps.map((s) => [s.id, s]));
  let order: string[];
  try {
    order = planWorkflow(workflow).order;
  } catch {
    order = workflow.steps.map((s) => s.id);
  }
  return order.flatMap((id) => {
    const step = byId.get(id);
    return step ? [{ id, command: step.named ?? step.command, ...(step.description !== undefined ? { description: step.description } : {}) }] : [];
  });
}

interface TemplateFile {
  name: string;
  hash: string;
  workflow: Workflow;
}

/** Every template that parses; a folder that is not there means no templates. */
async function readTemplates(dir: string): Promise<TemplateFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch {
    return [];
  }
  const out: TemplateFile[] = [];
  for (const file of names) {
    const path = join(dir, file);
    const source = await readFile(path, 'utf8');
    const def = parseDefinition(source, { path });
    if (!def.workflow) continue;
    out.push({ name: basename(file).replace(/\.ya?ml$/i, ''), hash: def.hash, workflow: def.workflow });
  }
  return out;
}
