import { describe, expect, it } from 'vitest';
import { ActionFailure } from '../../src/actions/action.js';
import { LineCapture } from '../../src/actions/line-capture.js';
import { parseOutputs } from '../../src/actions/output-file.js';

function formatError(text: string): ActionFailure {
  try {
    parseOutputs(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ActionFailure);
    return error as ActionFailure;
  }
  throw new Error('expected a format error');
}

describe('parseOutputs', () => {
  it('reads key=value lines, keeping `=` and spaces in values', () => {
    expect(parseOutputs('a=1\nb = x=y \n\n# note\n  # indented note\nc=\n')).toEqual({ a: '1', b: ' x=y ', c: '' });
  });

  it('reads CRLF lines', () => {
    expect(parseOutputs('a=1\r\nb=2\r\n')).toEqual({ a: '1', b: '2' });
  });

  it('reads heredocs, including values with = and <<', () => {
    expect(parseOutputs('body<<END\nx=1\ny<<z\n\nEND\nafter=yes\n')).toEqual({ body: 'x=1\ny<<z\n', after: 'yes' });
  });

  it('prefers key=value when `=` comes before `<<`', () => {
    expect(parseOutputs('cmd=cat <<EOF\n')).toEqual({ cmd: 'cat <<EOF' });
  });

  it('lets a later line win', () => {
    expect(parseOutputs('a=1\na=2\n')).toEqual({ a: '2' });
  });

  it('reads a JSON object, keeping its types', () => {
    expect(parseOutputs('  {"n": 1, "ok": true, "list": [1], "nested": {"a": null}}\n')).toEqual({
      n: 1,
      ok: true,
      list: [1],
      nested: { a: null },
    });
  });

  it('does not pollute prototypes through __proto__ keys', () => {
    const fromLines = parseOutputs('__proto__=polluted\n');
    const fromJson = parseOutputs('{"__proto__": {"polluted": true}}');
    expect(Object.getPrototypeOf(fromLines)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(fromJson)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(fromLines)).toEqual(['__proto__']);
  });

  it('explains malformed files', () => {
    expect(formatError('a=1\njust words\n').message).toContain('line 2');
    expect(formatError('x<<EOF\nnever closed\n').message).toContain("never closed by a line 'EOF'");
    expect(formatError('x<<\n').message).toContain('needs a delimiter');
    expect(formatError('=value\n').message).toContain('empty key');
    expect(formatError('{"broken": \n').message).toContain('not valid JSON');
    expect(formatError('{"broken": \n').code).toBe('OUTPUT_FORMAT');
  });
});

describe('LineCapture', () => {
  function capture(chunks: string[], tail?: number): { lines: string[]; text: string; last: string } {
    const lines: string[] = [];
    const c = new LineCapture((line) => lines.push(line), tail);
    for (const chunk of chunks) c.push(chunk);
    c.flush();
    return { lines, text: c.text(), last: c.lastLine() };
  }

  it('splits lines across chunks and flushes the last one', () => {
    expect(capture(['ab', 'c\nd', 'e\n\nf'])).toEqual({ lines: ['abc', 'de', '', 'f'], text: 'abc\nde\n\nf', last: 'f' });
  });

  it('strips carriage returns from logged lines and one final newline from the text', () => {
    expect(capture(['a\r\nb\r\n'])).toEqual({ lines: ['a', 'b'], text: 'a\r\nb', last: 'b' });
    expect(capture(['a\n\n']).text).toBe('a\n');
  });

  it('keeps a tail that starts on a line boundary', () => {
    const chunks = Array.from({ length: 100 }, (_, i) => `line ${i}\n`);
    const { lines, text } = capture(chunks, 40);
    expect(lines).toHaveLength(100);
    expect(text.length).toBeLessThanOrEqual(40);
    expect(text.endsWith('line 99')).toBe(true);
    expect(text.split('\n').every((l) => /^line \d+$/.test(l))).toBe(true);
  });

  it('cuts an endless line into pieces instead of growing without bound', () => {
    const { lines } = capture(Array.from({ length: 3 }, () => 'x'.repeat(40 * 1024)));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('')).toHaveLength(3 * 40 * 1024);
  });

  it('gives the last non-empty line for error messages', () => {
    expect(capture(['first\nsecond\n\n  \n']).last).toBe('second');
  });
});
