/** A validator diagnostic as the API answers it (src/definition/diagnostic.ts). */
export interface ApiDiagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  path: Array<string | number>;
  fix?: string;
}

/** The shape CodeMirror's lint extension takes (kept structural so this stays pure and testable). */
export interface EditorDiagnostic {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
  source: string;
}

/**
 * Place the validator's 1-based line:col diagnostics in the text as offsets. The range runs
 * from the column to the end of the word or value there (at least one character), so the
 * underline sits under what is wrong. A diagnostic with no line (about the whole file)
 * marks the first line; a line past the end (the text changed since) marks the last.
 */
export function toEditorDiagnostics(text: string, diagnostics: readonly ApiDiagnostic[]): EditorDiagnostic[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return diagnostics.map((d) => {
    const lineIndex = Math.min(Math.max((d.line ?? 1) - 1, 0), starts.length - 1);
    const lineStart = starts[lineIndex]!;
    const lineEnd = lineIndex + 1 < starts.length ? starts[lineIndex + 1]! - 1 : text.length;
    const lineText = text.slice(lineStart, lineEnd);
    // Without a column, underline the line's content (not its indentation).
    const col = d.line !== undefined && d.col !== undefined ? d.col - 1 : lineText.length - lineText.trimStart().length;
    const from = lineStart + Math.min(Math.max(col, 0), lineText.length);
    const rest = text.slice(from, lineEnd);
    const word = /^[^\s:,[\]{}#]+/.exec(rest)?.[0].length ?? 0;
    const to = Math.min(from + Math.max(word, 1), Math.max(lineEnd, from));
    const message = `${d.code}: ${d.message}${d.fix ? `\nfix: ${d.fix}` : ''}`;
    return { from, to: to > from ? to : Math.min(from + 1, text.length), severity: d.severity, message, source: 'cairn validate' };
  });
}
