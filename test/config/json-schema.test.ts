import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/index.js';

describe('the JSON Schema of the configuration', () => {
  it('the committed schema/config.schema.json is the generated one (regenerate: npx vitest run test/config -u)', async () => {
    await expect(`${JSON.stringify(configJsonSchema(), null, 2)}\n`).toMatchFileSnapshot('../../schema/config.schema.json');
  });

  it('carries what editors need: $schema, $id, title, help on every section, no unknown keys', () => {
    const schema = configJsonSchema() as {
      $schema: string;
      $id: string;
      title: string;
      additionalProperties: unknown;
      properties: Record<string, { description?: string; anyOf?: { description?: string }[] }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('urn:cairn:schema:config:v1');
    expect(schema.title).toBe('Cairn configuration');
    expect(schema.additionalProperties).toBe(false);
    for (const key of ['store', 'defaults', 'commands', 'notify', 'pools', 'concurrency', 'circuit_breaker', 'mcp_servers', 'retention', 'server']) {
      const section = schema.properties[key];
      const description = section?.description ?? section?.anyOf?.find((o) => o.description)?.description;
      expect(description, key).toBeTruthy();
    }
  });
});
