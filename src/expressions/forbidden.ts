import type jsonata from 'jsonata';

/**
 * What Cairn refuses in expressions even though JSONata allows it:
 * - `$eval`, which evaluates a string as a new expression (data would become code, and it
 *   hides what an expression reads from validation);
 * - regular expressions with a quantified group that itself contains a quantifier, such as
 *   `(a+)+`: the classic catastrophic-backtracking shape. A regex runs inside one native
 *   call, so the evaluation timeout cannot interrupt it.
 */
export function findForbidden(ast: jsonata.ExprNode): { message: string; offset: number } | undefined {
  let found: { message: string; offset: number } | undefined;
  visit(ast, (node) => {
    if (found) return;
    if (node.type === 'variable' && node.value === 'eval') {
      found = { message: '$eval is not allowed in Cairn expressions: write the expression directly', offset: start(node, 5) };
    } else if ((node.type as string) === 'regex' && node.value instanceof RegExp && hasNestedQuantifier(node.value.source)) {
      found = {
        message: `regular expression /${node.value.source}/ repeats a group that itself repeats (like (a+)+), which can take forever on some inputs; simplify it`,
        offset: start(node, node.value.source.length + 2),
      };
    }
  });
  return found;
}

function start(node: jsonata.ExprNode, length: number): number {
  return Math.max(0, (node.position ?? 0) - length);
}

/** Walk every node of a JSONata AST (any property holding nodes or arrays of nodes). */
export function visit(node: unknown, fn: (node: jsonata.ExprNode) => void, depth = 0): void {
  if (depth > 2000 || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) visit(item, fn, depth + 1);
    return;
  }
  if (node instanceof RegExp) return;
  const record = node as Record<string, unknown>;
  if (typeof record.type === 'string') fn(node as jsonata.ExprNode);
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (child !== null && typeof child === 'object') visit(child, fn, depth + 1);
  }
}

/** True for a quantified group whose body contains a quantifier: `(a+)+`, `(\w*x)*`, `(a{2,})+`. */
export function hasNestedQuantifier(source: string): boolean {
  // One entry per open group: does its body contain a quantifier?
  const groups: boolean[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === '[') {
      i = skipClass(source, i);
      continue;
    }
    if (ch === '(') {
      groups.push(false);
      i++;
      continue;
    }
    if (ch === ')') {
      const inner = groups.pop() ?? false;
      const next = i + 1;
      if (inner && isQuantifier(source, next)) return true;
      // A quantified group makes its enclosing group quantified too.
      if ((inner || isQuantifier(source, next)) && groups.length > 0) groups[groups.length - 1] = true;
      i = next;
      continue;
    }
    if (isQuantifier(source, i) && groups.length > 0) groups[groups.length - 1] = true;
    i++;
  }
  return false;
}

/** `*`, `+` or a `{n,}` / `{n,m}` repeat (but not `?` or `{n}`, which cannot blow up). */
function isQuantifier(source: string, i: number): boolean {
  const ch = source[i];
  if (ch === '*' || ch === '+') return true;
  if (ch !== '{') return false;
  const match = /^\{\d*,\d*\}/.exec(source.slice(i, i + 24));
  return match !== null;
}

function skipClass(source: string, i: number): number {
  let j = i + 1;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j + 1;
}
