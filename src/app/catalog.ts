import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadDefinitionFile, parseDefinition, type ParsedDefinition } from '../definition/index.js';
import type { ParameterSpec, Workflow } from '../engine/types.js';
import type { Store, StoredDefinition } from '../store/store.js';
import type { ValidationReport } from './cairn.js';
import { CairnError } from './errors.js';

/** One stored workflow as listed: its newest revision. */
export interface WorkflowSummary {
  id: string;
  name: string;
  version: string;
  description?: string;
  category?: string;
  tags: string[];
  /** 1 for the first body stored under this id, +1 for each changed body. */
  revision: number;
  hash: string;
  createdAt: number;
  /** The file it was loaded from, when it came from a file. */
  path?: string;
  parameters: Record<string, ParameterSpec>;
  steps: number;
}

export interface WorkflowDetail extends WorkflowSummary {
  source: string;
  format: 'yaml' | 'json';
  revisions: Array<{ revision: number; hash: string; version: string; createdAt: number }>;
}

export interface CatalogDeps {
  store: Store;
  /** Validation at the standard level, with this Cairn's commands and configuration. */
  check(parsed: ParsedDefinition, file: string): Promise<ValidationReport>;
}

export interface LoadReport {
  loaded: Array<{ file: string; id: string; revision: number; created: boolean }>;
  invalid: Array<{ file: string; report: ValidationReport }>;
}

const DEFINITION_FILE = /\.(ya?ml|json)$/i;
/** A configuration file beside the definitions is not one of them. */
const CONFIG_FILE = /^cairn\.(ya?ml|json)$/i;

/**
 * Stored workflows by id, versioned: a body is stored once by its content hash, and a
 * changed body under the same id becomes the next revision; nothing is overwritten, and
 * runs keep pointing at the exact body they started with.
 */
export class Catalog {
  constructor(private readonly deps: CatalogDeps) {}

  async list(filter: { category?: string } = {}): Promise<WorkflowSummary[]> {
    const byId = new Map<string, StoredDefinition[]>();
    for (const def of await this.deps.store.listDefinitions()) byId.set(def.workflowId, [...(byId.get(def.workflowId) ?? []), def]);
    const out: WorkflowSummary[] = [];
    for (const [, revisions] of byId) {
      const summary = summarize(revisions, revisions.length);
      if (summary && (filter.category === undefined || summary.category === filter.category)) out.push(summary);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(id: string, revision?: number): Promise<WorkflowDetail> {
    const revisions = await this.deps.store.listDefinitions(id);
    if (revisions.length === 0) throw new CairnError('WORKFLOW_NOT_FOUND', `no stored workflow '${id}'`, { workflow: id });
    const n = revision ?? revisions.length;
    const def = revisions[n - 1];
    const summary = summarize(revisions, n);
    if (!def || !summary) throw new CairnError('WORKFLOW_NOT_FOUND', `workflow '${id}' has no revision ${n} (it has 1 to ${revisions.length})`, { workflow: id, revision: n });
    return {
      ...summary,
      source: def.source,
      format: def.format,
      revisions: revisions.map((r, i) => ({ revision: i + 1, hash: r.hash, version: r.version, createdAt: r.createdAt })),
    };
  }

  /**
   * Store a definition given as text (YAML or JSON) or as a JSON object. An invalid one is
   * refused with its diagnostics; the same body again is not a new revision.
   */
  async create(input: { text?: string; definition?: unknown; format?: 'yaml' | 'json'; label?: string }): Promise<{ workflow: WorkflowSummary; created: boolean }> {
    const text = input.text ?? (input.definition === undefined ? undefined : JSON.stringify(input.definition, null, 2));
    if (text === undefined) throw new CairnError('USAGE', 'give the definition as text (YAML or JSON) or as a JSON object');
    const format = input.format ?? (input.text === undefined ? 'json' : undefined);
    const parsed = parseDefinition(text, format ? { format } : {});
    return this.store(parsed, input.label ?? 'definition');
  }

  /** Load every definition file of a folder (not recursive); invalid files are reported, not stored. */
  async loadDirectory(dir: string): Promise<LoadReport> {
    const report: LoadReport = { loaded: [], invalid: [] };
    const names = (await readdir(dir)).filter((n) => DEFINITION_FILE.test(n) && !CONFIG_FILE.test(n)).sort();
    for (const name of names) {
      const file = join(dir, name);
      try {
        const { workflow, created } = await this.store(await loadDefinitionFile(resolve(file)), file);
        report.loaded.push({ file, id: workflow.id, revision: workflow.revision, created });
      } catch (err) {
        if (err instanceof CairnError && err.code === 'DEFINITION_INVALID') report.invalid.push({ file, report: err.details['report'] as ValidationReport });
        else throw err;
      }
    }
    return report;
  }

  /** Reload the folder when a file in it changes (debounced); returns a stop function. */
  watch(dir: string, onLoad: (report: LoadReport) => void, onError: (err: unknown) => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    const reload = () => {
      timer = undefined;
      this.loadDirectory(dir).then(onLoad, onError);
    };
    try {
      watcher = watch(dir, () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(reload, 150);
      });
      watcher.on('error', onError);
    } catch (err) {
      onError(err);
    }
    return () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }

  /** The newest stored body of a workflow id. */
  async newestStored(id: string): Promise<StoredDefinition> {
    const stored = await this.deps.store.findDefinition(id);
    if (!stored) throw new CairnError('WORKFLOW_NOT_FOUND', `no stored workflow '${id}': create it (POST /api/v1/workflows/templates) or load its file with --workflows`, { workflow: id });
    return stored;
  }

  parse(stored: StoredDefinition): ParsedDefinition {
    return parseDefinition(stored.source, { format: stored.format, ...(stored.path ? { path: stored.path } : {}) });
  }

  private async store(parsed: ParsedDefinition, label: string): Promise<{ workflow: WorkflowSummary; created: boolean }> {
    const report = await this.deps.check(parsed, parsed.path ?? label);
    if (!report.valid || !report.workflow) {
      throw new CairnError('DEFINITION_INVALID', `${parsed.path ?? label} is not a valid workflow`, { diagnostics: report.diagnostics, report });
    }
    const id = report.workflow.id;
    const before = await this.deps.store.listDefinitions(id);
    const created = !before.some((d) => d.hash === parsed.hash);
    if (created) {
      const createdAt = Math.max(Date.now(), (before.at(-1)?.createdAt ?? 0) + 1);
      await this.deps.store.putDefinition({
        hash: parsed.hash,
        workflowId: id,
        version: report.workflow.version,
        source: parsed.source,
        format: parsed.format,
        ...(parsed.path ? { path: parsed.path } : {}),
        createdAt,
      });
    }
    const revisions = await this.deps.store.listDefinitions(id);
    const index = revisions.findIndex((d) => d.hash === parsed.hash);
    const summary = summarize(revisions, index + 1);
    if (!summary) throw new Error(`stored definition ${parsed.hash} of ${id} is missing`);
    return { workflow: summary, created };
  }
}

/** The summary of revision `n` (1-based); undefined when that body no longer parses. */
function summarize(revisions: StoredDefinition[], n: number): WorkflowSummary | undefined {
  const def = revisions[n - 1];
  if (!def) return undefined;
  const workflow: Workflow | undefined = parseDefinition(def.source, { format: def.format, ...(def.path ? { path: def.path } : {}) }).workflow;
  if (!workflow) return undefined;
  return {
    id: def.workflowId,
    name: workflow.name,
    version: def.version,
    ...(workflow.description !== undefined ? { description: workflow.description } : {}),
    ...(workflow.category !== undefined ? { category: workflow.category } : {}),
    tags: workflow.tags,
    revision: n,
    hash: def.hash,
    createdAt: def.createdAt,
    ...(def.path ? { path: def.path } : {}),
    parameters: workflow.parameters,
    steps: workflow.steps.length,
  };
}
