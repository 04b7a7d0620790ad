import type { z } from 'zod';
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

/** What the definition layer needs to know about commands to validate steps. */
export interface ActionCatalog {
  has(name: string): boolean;
  /** Known command names, sorted (for "did you mean" and error messages). */
  names(): string[];
  /** The parameters schema, or undefined for an unknown command. */
  parameters(name: string): z.ZodType | undefined;
  mutates(name: string): boolean;
  /** Parameter name -> why it must not hold templates; empty when none. */
  noTemplates(name: string): Record<string, string>;
}

/** The built-in commands of this release, by name. */
export function builtinActions(): Map<string, Action> {
  const actions: Action[] = [shellAction, httpAction, mcpAction, logAction, waitAction, taskAction, approvalAction, gateAction, notifyAction, rememberAction, recallAction, workflowAction];
  return new Map(actions.map((action) => [action.name, action]));
}

export function actionCatalog(actions: ReadonlyMap<string, Action>): ActionCatalog {
  const sorted = [...actions.keys()].sort();
  return {
    has: (name) => actions.has(name),
    names: () => [...sorted],
    parameters: (name) => actions.get(name)?.parameters,
    mutates: (name) => actions.get(name)?.mutates ?? false,
    noTemplates: (name) => ({ ...actions.get(name)?.noTemplates }),
  };
}
