import { z } from 'zod';
import { workflowSchema } from './schema.js';

export const WORKFLOW_SCHEMA_ID = 'urn:cairn:schema:workflow:v1';

/**
 * The JSON Schema of workflow definitions, generated from the zod schema (`cairn schema`;
 * the committed copy is schema/workflow.schema.json, kept in sync by a test). Editors use
 * it for completion and help, e.g. `# yaml-language-server: $schema=...`.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(workflowSchema(), { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema',
    $id: WORKFLOW_SCHEMA_ID,
    title: 'Cairn workflow',
    ...rest,
    // At least one way to name the workflow (the schema itself cannot say "one of these keys").
    anyOf: [{ required: ['name'] }, { required: ['id'] }, { required: ['workflow_id'] }],
  };
}
