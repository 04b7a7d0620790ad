import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

/**
 * Maps a path in the parsed data back to the file: where a key or value was written.
 * Built over the YAML document (JSON files are parsed as YAML too).
 */
export class SourcePositions {
  constructor(
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
    private readonly text = '',
  ) {}

  /** 1-based line and column of an offset in the text. */
  at(offset: number): Position | undefined {
    if (!this.lines) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }

  /**
   * Where the value at `path` (or its key, with `part: 'key'`) starts. When the path goes
   * past what the file holds (a missing field), the deepest node that exists answers.
   * `within`: a character offset inside a string value, used when the string is written on
   * one line without escapes so the offset maps one-to-one onto the file.
   */
  locate(path: readonly (string | number)[], part: 'key' | 'value' = 'value', within?: number): Position | undefined {
    const offset = this.offsetOf(path, part, within);
    return offset === undefined ? undefined : this.at(offset);
  }

  /** The exact text of the scalar at `path` as written (e.g. `1.10` for a version). */
  scalarSource(path: readonly (string | number)[]): string | undefined {
    const node = this.node(path);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  private offsetOf(path: readonly (string | number)[], part: 'key' | 'value', within?: number): number | undefined {
    let node: unknown = this.doc?.contents ?? undefined;
    let offset = startOf(node);
    for (let i = 0; i < path.length; i++) {
      node = this.resolve(node);
      const segment = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) return offset;
        const keyOffset = startOf(pair.key) ?? offset;
        if (i === path.length - 1 && part === 'key') return keyOffset;
        node = pair.value;
        offset = startOf(node) ?? keyOffset;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item: unknown = node.items[segment];
        if (item === undefined) return offset;
        node = item;
        offset = startOf(item) ?? offset;
      } else {
        return offset;
      }
    }
    if (within !== undefined && offset !== undefined) return offset + innerOffset(node, within, this.text);
    return offset;
  }

  private node(path: readonly (string | number)[]): unknown {
    let node: unknown = this.doc?.contents ?? undefined;
    for (const segment of path) {
      node = this.resolve(node);
      if (isMap(node)) node = node.items.find((p) => keyText(p.key) === String(segment))?.value;
      else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
      else return undefined;
    }
    return node;
  }

  private resolve(node: unknown): unknown {
    if (isAlias(node) && this.doc) return node.resolve(this.doc) ?? node;
    return node;
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function startOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** How far into the file an offset inside a string value lands, when that is knowable. */
function innerOffset(node: unknown, within: number, text: string): number {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return 0;
  const value = node.value;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  if (node.type !== 'PLAIN' && !quoted) return 0;
  const start = node.range[0] + (quoted ? 1 : 0);
  // Only a scalar written exactly as its value (one line, no escapes) maps one-to-one.
  if (text.slice(start, start + value.length) !== value) return 0;
  return (quoted ? 1 : 0) + Math.min(within, value.length);
}
