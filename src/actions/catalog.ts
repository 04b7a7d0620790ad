import type { z } from 'zod';
import type { ActionSpec } from './spec.js';
import { gateSpec } from './specs/gate.js';
import { httpSpec } from './specs/http.js';
import { logSpec } from './specs/log.js';
import { mcpSpec } from './specs/mcp.js';
import { notifySpec } from './specs/notify.js';
import { recallSpec } from './specs/recall.js';
import { rememberSpec } from './specs/remember.js';
import { shellSpec } from './specs/shell.js';
import { approvalSpec, taskSpec } from './specs/task.js';
import { waitSpec } from './specs/wait.js';
import { workflowSpec } from './specs/workflow.js';

/**
 * The built-in commands as validation sees them: specs only. This module must not import
 * the actions themselves (shell, http, mcp, ...): `cairn validate` loads it, and
 * test/cli/validate-imports.test.ts checks that the bundle keeps it that way.
 */

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

/** The built-in commands of this release, by name; registry.ts joins each to its run(). */
export function builtinSpecs(): Map<string, ActionSpec> {
  const specs: ActionSpec[] = [shellSpec, httpSpec, mcpSpec, logSpec, waitSpec, taskSpec, approvalSpec, gateSpec, notifySpec, rememberSpec, recallSpec, workflowSpec];
  return new Map(specs.map((spec) => [spec.name, spec]));
}

/** A catalog over any specs (an `Action` is one too). */
export function actionCatalog(specs: ReadonlyMap<string, ActionSpec>): ActionCatalog {
  const sorted = [...specs.keys()].sort();
  return {
    has: (name) => specs.has(name),
    names: () => [...sorted],
    parameters: (name) => specs.get(name)?.parameters,
    mutates: (name) => specs.get(name)?.mutates ?? false,
    noTemplates: (name) => ({ ...specs.get(name)?.noTemplates }),
  };
}
