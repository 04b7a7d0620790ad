import { z } from 'zod';
import {
  createCatalog,
  parseDefinition,
  validateWorkflow,
  type CommandCatalog,
  type Diagnostic,
  type DiagnosticCode,
  type ParsedDefinition,
  type ValidationLevel,
} from '../../src/definition/index.js';

/** Commands shaped like the built-ins, owned by these tests so they do not move under us. */
export function testCatalog(extra: string[] = []): CommandCatalog {
  return createCatalog([
    {
      name: 'shell',
      mutates: true,
      parameters: z.strictObject({
        run: z.string().optional(),
        argv: z.array(z.string()).min(1).optional(),
        env: z.record(z.string(), z.string()).optional(),
        cwd: z.string().optional(),
      }),
      noTemplates: { run: 'a template inside `run` would splice data into shell code; pass it through `env:` instead:\n  env: { NAME: "${{ parameters.name }}" }\n  run: echo "$NAME"' },
    },
    {
      name: 'http',
      mutates: true,
      parameters: z.strictObject({ url: z.string(), method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(), timeout_seconds: z.number().optional() }),
    },
    { name: 'log', parameters: z.strictObject({ message: z.string() }) },
    { name: 'wait', parameters: z.strictObject({ seconds: z.number() }) },
    ...extra.map((name) => ({ name })),
  ]);
}

export function parse(text: string, path = 'wf.yaml'): ParsedDefinition {
  return parseDefinition(text, { path });
}

/** Parse, then validate at a level when the parse has no errors: all diagnostics together. */
export async function check(text: string, level: ValidationLevel = 'standard', catalog: CommandCatalog = testCatalog(), path = 'wf.yaml'): Promise<Diagnostic[]> {
  const parsed = parse(text, path);
  const out = [...parsed.diagnostics];
  if (parsed.workflow && !out.some((d) => d.severity === 'error')) out.push(...(await validateWorkflow(parsed, level, catalog)));
  return out;
}

export function only(diagnostics: Diagnostic[], code: DiagnosticCode): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${found.length}:\n${diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n')}`);
  return found[0]!;
}

export function errors(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

/** `line:col` of a diagnostic, for compact assertions. */
export function at(d: Diagnostic): string {
  return `${d.line}:${d.col}`;
}

/** Join lines into a YAML document (keeps tests readable and positions countable). */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
