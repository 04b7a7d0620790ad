import type { Action } from './action.js';
import { gateAction } from './gate.js';
import { httpAction } from './http.js';
import { logAction } from './log.js';
import { mcpAction } from './mcp.js';
import { notifyAction } from './notify.js';
import { recallAction } from './recall.js';
import { rememberAction } from './remember.js';
import { shellAction } from './shell.js';
import { approvalAction, taskAction } from './task.js';
import { waitAction } from './wait.js';
import { workflowAction } from './workflow.js';

// Validation needs only the specs (catalog.ts); re-exported for callers that hold actions.
export { actionCatalog, type ActionCatalog } from './catalog.js';

/**
 * The built-in commands of this release, by name, ready to run: each action is its spec
 * (specs/) joined to its run(). Only the runtime needs this; validation uses builtinSpecs().
 */
export function builtinActions(): Map<string, Action> {
  const actions: Action[] = [shellAction, httpAction, mcpAction, logAction, waitAction, taskAction, approvalAction, gateAction, notifyAction, rememberAction, recallAction, workflowAction];
  return new Map(actions.map((action) => [action.name, action]));
}
