import { compileExpression } from './compile.js';
import { findTemplates, type TemplateRef } from './template.js';

/** The names of the secrets a value's templates read (`${{ secrets.NAME }}`), each once. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  for (const ref of findTemplates(value)) for (const name of refSecrets(ref)) names.add(name);
  return [...names];
}

function refSecrets(ref: TemplateRef): string[] {
  if (ref.error || !ref.expression.includes('secrets')) return [];
  try {
    return compileExpression(ref.expression)
      .references()
      .filter((r) => r.root === 'secrets' && r.key !== undefined)
      .map((r) => r.key as string);
  } catch {
    return [];
  }
}
