import type jsonata from 'jsonata';

/**
 * One name an expression reads from the context: `parameters.env` is
 * `{ root: 'parameters', key: 'env' }`, `steps.build.outputs.url` is
 * `{ root: 'steps', key: 'build', field: 'outputs' }`. `offset` is where the root name starts.
 */
export interface ExpressionReference {
  root: string;
  key?: string;
  field?: string;
  offset: number;
}

/**
 * The context names an expression reads. Only names evaluated against the context root
 * count: the first step of a top-level path, of a function argument, of a lambda body
 * (JSONata lambdas see the input where they are defined), `$$.x` anywhere and `$.x` at
 * the top. Names after the first step, inside filters, sorts and transforms are relative
 * to the data in front of them and are not references.
 */
export function collectReferences(ast: jsonata.ExprNode): ExpressionReference[] {
  const found: ExpressionReference[] = [];
  walk(ast, true, found, 0);
  return found;
}

/** JSONata's published node type misses some kinds (`path`, `regex`, `sort`): read nodes loosely. */
type Node = Record<string, unknown> & { type?: string; value?: unknown; position?: number };

function walk(value: unknown, atRoot: boolean, found: ExpressionReference[], depth: number): void {
  if (depth > 2000 || value === null || typeof value !== 'object' || value instanceof RegExp) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, atRoot, found, depth + 1);
    return;
  }
  const node = value as Node;
  switch (node.type) {
    case 'path':
      walkPath(node, atRoot, found, depth);
      break;
    case 'name':
      if (atRoot) found.push(reference(node, []));
      walkAttachments(node, found, depth);
      break;
    case 'transform':
      walk(node.pattern, false, found, depth + 1);
      walk(node.update, false, found, depth + 1);
      walk(node.delete, false, found, depth + 1);
      break;
    case 'unary':
      if (node.value === '{') {
        // An object constructor: keys and values are evaluated against the same input.
        walk(node.lhs, atRoot, found, depth + 1);
      } else {
        walk(node.expressions, atRoot, found, depth + 1);
        walk(node.expression, atRoot, found, depth + 1);
      }
      walkAttachments(node, found, depth);
      break;
    default:
      // binary, condition, block, bind, apply, function, partial, lambda: children see the
      // same input as the node itself.
      for (const key of ['lhs', 'rhs', 'condition', 'then', 'else', 'expressions', 'arguments', 'procedure', 'body', 'expression', 'expr']) {
        walk(node[key], atRoot, found, depth + 1);
      }
      walkAttachments(node, found, depth);
  }
}

function walkPath(node: Node, atRoot: boolean, found: ExpressionReference[], depth: number): void {
  const steps = (node.steps ?? []) as Node[];
  const [first, second] = steps;
  if (!first) return;
  const rootVariable = first.type === 'variable' && (first.value === '$' || (first.value === '' && atRoot));
  if (rootVariable && second?.type === 'name') {
    found.push(reference(second, steps.slice(2)));
    walkAttachments(first, found, depth);
  } else if (first.type === 'name') {
    if (atRoot) found.push(reference(first, steps.slice(1)));
    walkAttachments(first, found, depth);
  } else {
    walk(first, atRoot, found, depth + 1);
  }
  for (const step of steps.slice(1)) walk(step, false, found, depth + 1);
  walk(node.group, false, found, depth + 1);
}

/** Filters, sort terms and group-by objects apply to the node's own result, not the root. */
function walkAttachments(node: Node, found: ExpressionReference[], depth: number): void {
  walk(node.stages, false, found, depth + 1);
  walk(node.predicate, false, found, depth + 1);
  walk(node.group, false, found, depth + 1);
  walk(node.terms, false, found, depth + 1);
}

function reference(rootNode: Node, rest: Node[]): ExpressionReference {
  const root = String(rootNode.value);
  const ref: ExpressionReference = { root, offset: Math.max(0, (rootNode.position ?? 0) - root.length) };
  const [key, field] = rest;
  if (key?.type === 'name') {
    ref.key = String(key.value);
    if (field?.type === 'name') ref.field = String(field.value);
  }
  return ref;
}
