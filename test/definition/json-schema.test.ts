import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowJsonSchema } from '../../src/definition/index.js';

const committed = fileURLToPath(new URL('../../schema/workflow.schema.json', import.meta.url));

describe('the JSON Schema', () => {
  it('the committed schema/workflow.schema.json is the generated one', () => {
    const generated = `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`;
    const onDisk = readFileSync(committed, 'utf8');
    expect(onDisk, 'schema/workflow.schema.json is stale: regenerate it with `npx cairn schema > schema/workflow.schema.json`').toBe(generated);
  });

  it('carries what editors need: $schema, $id, title and help on fields', () => {
    const schema = workflowJsonSchema() as {
      $schema: string;
      $id: string;
      title: string;
      properties: Record<string, { description?: string; items?: { properties: Record<string, { description?: string }> } }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('urn:cairn:schema:workflow:v1');
    expect(schema.title).toBe('Cairn workflow');
    const step = schema.properties.steps!.items!.properties;
    for (const key of ['id', 'command', 'depends_on', 'if', 'for_each', 'retry', 'timeout_seconds', 'trigger_rule', 'outputs']) {
      expect(step[key]?.description, key).toBeTruthy();
    }
    for (const key of ['name', 'parameters', 'steps', 'timeout_seconds', 'approval_required']) {
      expect(schema.properties[key]?.description, key).toBeTruthy();
    }
  });
});
