import type { Store, StoredDefinition } from '../store/store.js';
import { CairnError } from './errors.js';

/** One stored revision of a workflow id (1 is the first body stored under it). */
export async function storedRevision(store: Store, workflowId: string, revision: number): Promise<StoredDefinition> {
  const revisions = await store.listDefinitions(workflowId);
  if (revisions.length === 0) throw new CairnError('WORKFLOW_NOT_FOUND', `no stored workflow '${workflowId}'`, { workflow: workflowId });
  const stored = revisions[revision - 1];
  if (!stored || !Number.isInteger(revision)) {
    throw new CairnError('WORKFLOW_NOT_FOUND', `workflow '${workflowId}' has no revision ${revision} (it has 1 to ${revisions.length})`, { workflow: workflowId, revision });
  }
  return stored;
}
