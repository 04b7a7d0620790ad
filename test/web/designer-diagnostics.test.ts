import { describe, expect, it } from 'vitest';
import { toEditorDiagnostics, type ApiDiagnostic } from '../../web/src/designer/diagnostics';

const TEXT = 'id: x\nsteps:\n  - id: a\n    command: lgo\n    depends_on: [b]\n';
const at = (line: number, col?: number, extra: Partial<ApiDiagnostic> = {}): ApiDiagnostic => ({ severity: 'error', code: 'DEF_X', message: 'm', path: [], line, ...(col !== undefined ? { col } : {}), ...extra });

describe('validator diagnostics in the editor', () => {
  it('maps line:col to an offset and underlines the word there', () => {
    const [d] = toEditorDiagnostics(TEXT, [at(4, 14, { code: 'DEF_UNKNOWN_COMMAND', message: "unknown command 'lgo'", fix: 'did you mean log?' })]);
    expect(TEXT.slice(d!.from, d!.to)).toBe('lgo');
    expect(d).toMatchObject({ severity: 'error', source: 'cairn validate', message: "DEF_UNKNOWN_COMMAND: unknown command 'lgo'\nfix: did you mean log?" });
  });

  it('stops the range at YAML punctuation', () => {
    const [d] = toEditorDiagnostics(TEXT, [at(5, 18)]);
    expect(TEXT.slice(d!.from, d!.to)).toBe('b');
  });

  it('underlines the line content when there is no column, and the first line when there is no line', () => {
    const [noCol, noLine] = toEditorDiagnostics(TEXT, [at(3), { severity: 'warning', code: 'DEF_Y', message: 'w', path: [] }]);
    expect(TEXT.slice(noCol!.from, noCol!.to)).toBe('-');
    expect(noCol!.from).toBe(TEXT.indexOf('  - id: a') + 2);
    expect(noLine).toMatchObject({ from: 0, to: 2, severity: 'warning' });
  });

  it('clamps places past the end (the text changed since it was checked)', () => {
    const [past, farCol] = toEditorDiagnostics(TEXT, [at(99, 1), at(1, 99)]);
    expect(past!.from).toBeLessThanOrEqual(TEXT.length);
    expect(past!.to).toBeLessThanOrEqual(TEXT.length);
    expect(farCol!.from).toBe(5);
    expect(toEditorDiagnostics('', [at(1, 1)])[0]).toMatchObject({ from: 0, to: 0 });
  });
});
