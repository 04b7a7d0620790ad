import { compileExpression } from './compile.js';
import { sealContext, type ExpressionContext } from './context.js';
import { define } from './data.js';
import { parseTemplate, TEMPLATE_OPEN, wholeTemplate } from './template.js';

/**
 * Resolve every `${{ }}` template inside a value (deep over arrays and objects) and return a
 * new value; the input is never changed. A string that is exactly one template becomes the
 * expression's value with its type (a number stays a number; nothing stays undefined); a
 * template inside other text is interpolated (strings as they are, other values as JSON,
 * nothing as ''). Throws ExpressionError.
 */
export async function renderTemplates(value: unknown, context: ExpressionContext | Record<string, unknown>): Promise<unknown> {
  let sealed: ExpressionContext | undefined;
  // Seal lazily: values without templates (most step parameters) cost no context copy.
  const seal = (): ExpressionContext => (sealed ??= sealContext(context));
  return render(value, seal, 0);
}

const MAX_DEPTH = 256;

async function render(value: unknown, seal: () => ExpressionContext, depth: number): Promise<unknown> {
  if (typeof value === 'string') return value.includes(TEMPLATE_OPEN) ? renderString(value, seal) : value;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push((await render(item, seal, depth + 1)) ?? null);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const rendered = await render((value as Record<string, unknown>)[key], seal, depth + 1);
    if (rendered !== undefined) define(out, key, rendered);
  }
  return out;
}

async function renderString(source: string, seal: () => ExpressionContext): Promise<unknown> {
  const segments = parseTemplate(source);
  const whole = wholeTemplate(segments);
  if (whole) return compileExpression(whole.expression).evaluate(seal());
  let text = '';
  for (const segment of segments) {
    if (segment.kind === 'text') text += segment.text;
    else text += interpolate(await compileExpression(segment.expression).evaluate(seal()));
  }
  return text;
}

function interpolate(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}
