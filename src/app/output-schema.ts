import { CairnError } from './errors.js';

/**
 * Check a task's output against its `output_schema` (JSON Schema). ajv is loaded on first
 * use: most commands never complete a task.
 */
export async function checkOutput(step: string, schema: Record<string, unknown> | undefined, output: unknown): Promise<void> {
  if (!schema) return;
  // ajv is CommonJS: its class is the module's default export, or that export's `default`.
  const mod = (await import('ajv')) as unknown as { default: typeof import('ajv').default & { default?: typeof import('ajv').default } };
  const Ajv = mod.default.default ?? mod.default;
  let validate: import('ajv').ValidateFunction;
  try {
    validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  } catch (err) {
    throw new CairnError('OUTPUT_INVALID', `the output_schema of step '${step}' is not a valid JSON Schema: ${(err as Error).message}`);
  }
  if (validate(output)) return;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(output)'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);
  throw new CairnError('OUTPUT_INVALID', `the output does not satisfy the output_schema of step '${step}': ${problems.join('; ')}; the task stays open`, { problems, schema });
}
