import type { ParsedDefinition } from '../definition/index.js';
import type { Run, Workflow } from '../engine/types.js';
import type { Store } from '../store/store.js';
import { newRunId } from './run-id.js';

/**
 * Store the exact definition a run starts with (once per content hash) and describe the
 * new run. Every way of starting a run (cairn run, a sub-workflow) goes through here.
 */
export async function prepareRun(
  store: Store,
  parsed: Pick<ParsedDefinition, 'hash' | 'source' | 'format' | 'path'>,
  workflow: Workflow,
  parameters: Record<string, unknown>,
  extra: { startedBy?: string; parent?: Run['parent']; path?: string; definitionStored?: boolean },
): Promise<Run> {
  const now = Date.now();
  if (!extra.definitionStored) {
    const path = extra.path ?? parsed.path;
    await store.putDefinition({ hash: parsed.hash, workflowId: workflow.id, version: workflow.version, source: parsed.source, format: parsed.format, ...(path ? { path } : {}), createdAt: now });
  }
  const run: Run = {
    id: newRunId(now),
    workflowId: workflow.id,
    workflowName: workflow.name,
    definitionHash: parsed.hash,
    status: 'queued',
    parameters,
    createdAt: now,
  };
  if (extra.startedBy !== undefined) run.startedBy = extra.startedBy;
  if (extra.parent !== undefined) run.parent = extra.parent;
  return run;
}
