import { z } from 'zod';
import { CairnError } from '../app/index.js';

/** Pieces of tool input schemas shared by several tools. */

export const executionId = z.string().min(1).max(64).describe('The run id (execution_id) that workflow_execute returned; a unique prefix is enough');

export const stepKey = z.string().min(1).max(200).describe('The step id (for a step of a for_each, its key such as deploy[2]), as workflow_status lists it');

export const workflowId = z.string().min(1).max(200).describe('A stored workflow id, as workflow_list shows it');

export const revision = z.number().int().positive().describe('A stored revision of the workflow (1, 2, ...); default: the newest');

export const definition = z
  .union([z.string().min(1).max(1024 * 1024).describe('YAML or JSON text'), z.record(z.string(), z.unknown()).describe('The definition as a JSON object')])
  .describe('A workflow definition: YAML or JSON text, or the definition as a JSON object');

export const format = z.enum(['yaml', 'json']).describe('The format of definition text (default: detected)');

const parameterObject = z.record(z.string(), z.unknown());

export const parameters = z
  .union([parameterObject, z.string().max(256 * 1024)])
  .describe('Parameter values by name, as a JSON object (a JSON text of an object is accepted too)');

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'rolling_back', 'rolled_back', 'rollback_failed'] as const;

/** Parameters as an object: given as one, or as a JSON text of one. */
export function parametersOf(given: Record<string, unknown> | string | undefined): Record<string, unknown> | undefined {
  if (given === undefined || typeof given === 'object') return given;
  let value: unknown;
  try {
    value = JSON.parse(given);
  } catch (err) {
    throw new CairnError('USAGE', `parameters: not valid JSON (${(err as Error).message}); give a JSON object of parameter values`);
  }
  // The same schema as an object given directly (and as the REST body): one treatment of odd keys such as __proto__.
  const object = parameterObject.safeParse(value);
  if (!object.success) throw new CairnError('USAGE', 'parameters: give a JSON object of parameter values by name');
  return object.data;
}

/** A definition as the catalog and validation take it: text with an optional format. */
export function definitionText(given: string | Record<string, unknown>, fmt: 'yaml' | 'json' | undefined): { text: string; format?: 'yaml' | 'json' } {
  if (typeof given === 'string') return { text: given, ...(fmt ? { format: fmt } : {}) };
  return { text: JSON.stringify(given, null, 2), format: 'json' };
}
