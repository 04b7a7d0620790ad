/** Definition files larger than this are refused before they are read (`--max-bytes` to change). */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * Deeper nesting than this is refused before parsing: no workflow needs it, and the YAML
 * parser's cost grows steeply with depth (a 1 MiB run of `[` can exhaust memory).
 */
export const MAX_NESTING = 256;

/** YAML alias expansions allowed while building the data: stops "billion laughs" documents. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Offset where `text` first nests deeper than MAX_NESTING, or -1. A deliberately rough
 * single pass: flow brackets anywhere, and long runs of block indicators (indentation,
 * `- `, `? `) at the start of a line. Brackets inside strings count too; real definitions
 * never come near the limit either way.
 */
export function tooDeepAt(text: string): number {
  let depth = 0;
  let lineRun = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      atLineStart = true;
      lineRun = 0;
      continue;
    }
    if (atLineStart) {
      // space, tab, '-', '?', ':'
      if (c === 32 || c === 9 || c === 45 || c === 63 || c === 58) {
        if (++lineRun > 2 * MAX_NESTING) return i;
        continue;
      }
      atLineStart = false;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > MAX_NESTING) return i;
    } else if ((c === 93 /* ] */ || c === 125) /* } */ && depth > 0) {
      depth--;
    }
  }
  return -1;
}
