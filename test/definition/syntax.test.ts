import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, parseDefinition } from '../../src/definition/index.js';
import { at, only, parse, yaml } from './support.js';

describe('YAML syntax', () => {
  it('reports a syntax error at its line and column', () => {
    const parsed = parse(yaml('name: x', 'steps:', '  - id: a', '    command: [log', '  - id: b'));
    const d = parsed.diagnostics[0]!;
    expect(d.code).toBe('DEF_YAML_SYNTAX');
    expect(d.file).toBe('wf.yaml');
    expect(parsed.workflow).toBeUndefined();
    expect(at(d)).toBe('5:3');
  });

  it('refuses duplicate keys, naming where the first one is', () => {
    const parsed = parse(yaml('name: x', 'steps:', '  - id: a', '    command: log', '    command: shell'));
    const d = only(parsed.diagnostics, 'DEF_DUPLICATE_KEY');
    expect(at(d)).toBe('5:5');
    expect(d.message).toBe("duplicate key 'command': it is already set at line 4");
    expect(d.path).toEqual(['steps', 0, 'command']);
    expect(parsed.workflow).toBeUndefined();
  });

  it('refuses duplicate top-level keys', () => {
    const d = only(parse(yaml('name: x', 'steps: []', 'name: y')).diagnostics, 'DEF_DUPLICATE_KEY');
    expect(at(d)).toBe('3:1');
    expect(d.message).toContain('line 1');
  });

  it('refuses a second document', () => {
    const d = parse(yaml('name: x', '---', 'name: y')).diagnostics[0]!;
    expect(d.code).toBe('DEF_YAML_SYNTAX');
    expect(d.message).toContain("remove the second '---'");
    expect(at(d)).toBe('2:1');
  });

  it('suggests quoting a template that holds ": "', () => {
    const d = parse(yaml('name: x', 'steps:', '  - id: a', '    command: log', "    parameters: { message: x }", "    if: ${{ parameters.a & ': ' }}")).diagnostics[0]!;
    expect(d.code).toBe('DEF_YAML_SYNTAX');
    expect(d.line).toBe(6);
    expect(d.fix).toContain('quote the template');
  });

  it('refuses an alias bomb ("billion laughs") quickly, at the first alias', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    lines.push('name: bomb', 'steps: [{id: s, command: log, parameters: {message: *i}}]');
    const parsed = parse(yaml(...lines));
    const d = only(parsed.diagnostics, 'DEF_ALIAS_LIMIT');
    expect(at(d)).toBe('2:8');
    expect(parsed.workflow).toBeUndefined();
  });

  it('accepts a few ordinary aliases and merge keys', () => {
    const parsed = parse(
      yaml('defaults: &d', '  command: log', '  timeout_seconds: 5', 'name: x', 'steps:', '  - <<: *d', '    id: a', '    parameters: {message: hi}', '  - <<: *d', '    id: b'),
    );
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(['DEF_EXTRA_KEY']);
    expect(parsed.workflow!.steps.map((s) => `${s.id}:${s.command}:${s.timeoutSeconds}`)).toEqual(['a:log:5', 'b:log:5']);
  });

  it('refuses an alias that contains itself', () => {
    const d = only(parse(yaml('name: x', 'steps:', '  - &s', '    id: a', '    rollback: *s')).diagnostics, 'DEF_UNSUPPORTED_VALUE');
    expect(d.path).toEqual(['steps', 0, 'rollback']);
  });

  it('refuses values JSON cannot hold (binary, sets, infinity)', () => {
    expect(only(parse(yaml('name: x', 'steps: [{id: a, parameters: {b: !!binary aGVsbG8=}}]')).diagnostics, 'DEF_UNSUPPORTED_VALUE').path).toEqual(['steps', 0, 'parameters', 'b']);
    expect(only(parse(yaml('name: x', 'timeout_seconds: .inf', 'steps: [{id: a}]')).diagnostics, 'DEF_UNSUPPORTED_VALUE').path).toEqual(['timeout_seconds']);
  });

  it('refuses absurd nesting before parsing', () => {
    const parsed = parse(`name: x\nsteps: ${'['.repeat(300_000)}`);
    const d = only(parsed.diagnostics, 'DEF_TOO_DEEP');
    expect(at(d)).toBe('2:264');
    expect(only(parse(`${'- '.repeat(300_000)}x`).diagnostics, 'DEF_TOO_DEEP').line).toBe(1);
  });

  it('says so when the file is empty or not a mapping', () => {
    expect(only(parse('# nothing here\n').diagnostics, 'DEF_EMPTY').line).toBe(1);
    expect(only(parse('- a\n- b\n').diagnostics, 'DEF_TYPE').message).toContain('found a list');
    expect(only(parse('just text\n').diagnostics, 'DEF_TYPE').message).toContain('found a string');
  });
});

describe('JSON syntax', () => {
  const json = (text: string) => parseDefinition(text, { path: 'wf.json' });

  it.each([
    ['{\n  "name": "x",\n  "steps": [\n    {"id": "a",}\n  ]\n}\n', '4:16', 'trailing comma before }'],
    ['{\n  "name": "x"\n  "steps": []\n}\n', '3:3', "expected ',' or '}' after a property value, found '\"'"],
    ['{\n  "name": \n}\n', '3:1', "expected a value, found '}'"],
    ['{\n  "name": "x",\n  "steps": [1, 2,]\n}\n', '3:18', 'trailing comma before ]'],
    ["{\n  'name': 'x'\n}\n", '2:3', "expected a property name in double quotes, found '''"],
    ['{\n  "name": "x\n}\n', '2:13', 'unterminated string (a newline inside a string must be written \\n)'],
    ['{"name": "x"} extra', '1:15', "unexpected 'extra' after the end of the JSON value"],
    ['{"name": 01}', '1:11', "bad number, found '1'"],
    ['{"a": "\\x"}', '1:8', "bad escape '\\x' in a string"],
  ])('%j -> %s %s', (text, where, message) => {
    const d = only(json(text).diagnostics, 'DEF_JSON_SYNTAX');
    expect(at(d)).toBe(where);
    expect(d.message).toBe(message);
  });

  it('refuses duplicate keys in JSON too', () => {
    const d = only(json('{\n  "name": "x",\n  "steps": [{"id": "a"}],\n  "name": "y"\n}').diagnostics, 'DEF_DUPLICATE_KEY');
    expect(at(d)).toBe('4:3');
    expect(d.message).toContain('line 2');
  });

  it('parses tab-indented JSON with a BOM and keeps positions', () => {
    const parsed = json('\uFEFF{\n\t"name": "x",\n\t"steps": [{"id": "a", "command": "log", "retry": {"max_attempts": "3"}}]\n}\n');
    const d = only(parsed.diagnostics, 'DEF_TYPE');
    expect(at(d)).toBe('3:68');
    expect(d.message).toBe("steps[0].retry.max_attempts: expected a number, found '3' (a string)");
  });

  it('detects JSON by content when the extension says nothing', () => {
    expect(parseDefinition('{"name": "x", "steps": [{"id": "a"}]}').format).toBe('json');
    expect(parseDefinition('name: x\nsteps: [{id: a}]\n').format).toBe('yaml');
    expect(parseDefinition('{name: x, steps: [{id: a}]}').format).toBe('yaml');
  });
});

describe('formatDiagnostic', () => {
  it('prints file:line:col, severity, code, message and the fix', () => {
    const parsed = parse(yaml('name: x', 'steps:', '  - id: a', '    depend_on: [b]'));
    expect(formatDiagnostic(only(parsed.diagnostics, 'DEF_UNKNOWN_KEY'))).toBe(
      "wf.yaml:4:5: error DEF_UNKNOWN_KEY: unknown key 'depend_on' in step 'a'. Did you mean 'depends_on'?\n  fix: rename 'depend_on' to 'depends_on'",
    );
    expect(formatDiagnostic({ severity: 'warning', code: 'DEF_TIMEOUT', message: 'm', path: [] })).toBe('warning DEF_TIMEOUT: m');
  });
});

describe('hash and source', () => {
  it('records the sha256 of the exact text', () => {
    const parsed = parse('name: x\nsteps: [{id: a}]\n');
    expect(parsed.hash).toBe(createHash('sha256').update('name: x\nsteps: [{id: a}]\n').digest('hex'));
    expect(parse('name: x\nsteps: [{id: a}]\n').hash).toBe(parsed.hash);
    expect(parse('name: x\nsteps: [{id: a}] \n').hash).not.toBe(parsed.hash);
    expect(parsed.source).toBe('name: x\nsteps: [{id: a}]\n');
  });
});
