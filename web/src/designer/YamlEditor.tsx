import { autocompletion, closeBrackets, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { completionsAt, type CommandEntry, type JsonSchema } from './completion';
import { toEditorDiagnostics, type ApiDiagnostic } from './diagnostics';

export interface YamlEditorProps {
  value: string;
  onChange(text: string): void;
  /** The validator's answer and the text it was about: shown only while the text is still that text. */
  diagnostics: { text: string; diagnostics: ApiDiagnostic[] } | undefined;
  schema: JsonSchema | undefined;
  commands: readonly CommandEntry[];
  /** Move the cursor here and scroll to it (a new object each time it is asked). */
  reveal?: { offset: number } | undefined;
  label: string;
}

/**
 * The CodeMirror 6 YAML editor (loaded lazily: it is most of the designer's weight).
 * Tab is left to move focus, so the editor never traps keyboard users; indentation
 * follows Enter.
 */
export default function YamlEditor({ value, onChange, diagnostics, schema, commands, reveal, label }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  // The completion source and change handler read the newest props without rebuilding the editor.
  const latest = useRef({ onChange, schema, commands });
  latest.current = { onChange, schema, commands };

  useEffect(() => {
    const complete = (ctx: CompletionContext): CompletionResult | null => {
      const { schema: s, commands: c } = latest.current;
      if (!s) return null;
      const text = ctx.state.doc.toString();
      const answer = completionsAt(text, ctx.pos, s, c);
      if (!answer) return null;
      // Typing a word, or asked explicitly (Ctrl-Space), or right after `key: `.
      if (answer.from === ctx.pos && !ctx.explicit && !/:\s$|-\s$|^\s*$/.test(text.slice(text.lastIndexOf('\n', ctx.pos - 1) + 1, ctx.pos))) return null;
      return { from: answer.from, options: answer.options, validFor: /^[\w-]*$/ };
    };
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(),
          EditorView.lineWrapping,
          autocompletion({ override: [complete], activateOnTyping: true }),
          lintGutter(),
          keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = undefined;
    };
    // Built once; later values arrive through the effects below.
  }, []);

  // A change made elsewhere (the canvas, opening a workflow): replace only what differs, so the cursor stays put.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current === value) return;
    let start = 0;
    while (start < current.length && start < value.length && current[start] === value[start]) start++;
    let endOld = current.length;
    let endNew = value.length;
    while (endOld > start && endNew > start && current[endOld - 1] === value[endNew - 1]) {
      endOld--;
      endNew--;
    }
    v.dispatch({ changes: { from: start, to: endOld, insert: value.slice(start, endNew) } });
  }, [value]);

  // A new answer replaces the marks if it is about the text on screen; while typing, the
  // previous marks stay, moved along with the edits, until the next answer.
  useEffect(() => {
    const v = view.current;
    if (!v || !diagnostics) return;
    const text = v.state.doc.toString();
    if (diagnostics.text !== text) return;
    v.dispatch(setDiagnostics(v.state, toEditorDiagnostics(text, diagnostics.diagnostics)));
  }, [diagnostics]);

  useEffect(() => {
    const v = view.current;
    if (!v || !reveal) return;
    const at = Math.min(reveal.offset, v.state.doc.length);
    v.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
    v.focus();
  }, [reveal]);

  return <div ref={host} className="designer-editor" data-testid="yaml-editor" />;
}
