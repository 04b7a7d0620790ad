import { z } from 'zod';
import { configSchema } from './schema.js';

export const CONFIG_SCHEMA_ID = 'urn:cairn:schema:config:v1';

/**
 * The JSON Schema of cairn.yaml / cairn.json, generated from the zod schema; the committed
 * copy is schema/config.schema.json, kept in sync by a test. Editors use it for completion.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema(), { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema: $schema ?? 'https://json-schema.org/draft/2020-12/schema', $id: CONFIG_SCHEMA_ID, title: 'Cairn configuration', ...rest };
}
