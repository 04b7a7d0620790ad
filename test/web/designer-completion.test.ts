import { describe, expect, it } from 'vitest';
import workflowSchema from '../../schema/workflow.schema.json';
import { completionsAt, type CommandEntry, type JsonSchema } from '../../web/src/designer/completion';

const schema = workflowSchema as JsonSchema;
const commands: CommandEntry[] = [
  { name: 'log', summary: 'Write a message to the run log.', kind: 'builtin', parameters: { type: 'object', properties: { message: { type: 'string', description: 'What to write' }, level: { type: 'string', enum: ['info', 'warn'] } }, required: ['message'] } },
  { name: 'shell', summary: 'Run a script.', kind: 'builtin', parameters: { type: 'object', properties: { run: { type: 'string' } } } },
];

/** Completions at the `|` in `text`. */
function at(text: string) {
  const pos = text.indexOf('|');
  const answer = completionsAt(text.replace('|', ''), pos, schema, commands);
  return answer && { from: answer.from, pos, labels: answer.options.map((o) => o.label) };
}

describe('designer completion from the workflow schema', () => {
  it('offers the top-level keys at the root', () => {
    const a = at('id: x\nst|');
    expect(a?.labels).toEqual(expect.arrayContaining(['steps', 'parameters', 'triggers', 'description']));
    expect(a?.from).toBe(a!.pos - 2);
  });

  it('offers step keys inside a step, and on a new list item', () => {
    expect(at('id: x\nsteps:\n  - id: a\n    comm|')?.labels).toEqual(expect.arrayContaining(['command', 'depends_on', 'retry', 'timeout_seconds']));
    expect(at('id: x\nsteps:\n  - id: a\n    command: log\n  - |')?.labels).toContain('command');
  });

  it('offers the command names after command:', () => {
    const a = at('id: x\nsteps:\n  - id: a\n    command: l|');
    expect(a?.labels).toEqual(['log', 'shell']);
    expect(a?.from).toBe(a!.pos - 1);
  });

  it("offers the step's command's parameters under parameters:", () => {
    expect(at('id: x\nsteps:\n  - id: a\n    command: log\n    parameters:\n      m|')?.labels).toEqual(['message', 'level']);
    expect(at('id: x\nsteps:\n  - id: a\n    command: log\n    parameters:\n      level: |')?.labels).toEqual(['info', 'warn']);
  });

  it('offers the other step ids after depends_on:, in a list too', () => {
    expect(at('id: x\nsteps:\n  - id: a\n    command: log\n  - id: b\n    depends_on: |')?.labels).toEqual(['a']);
    expect(at('id: x\nsteps:\n  - id: a\n  - id: c\n  - id: b\n    depends_on: [a, |')?.labels).toEqual(['a', 'c']);
  });

  it('offers enums and booleans from the schema', () => {
    expect(at('id: x\nsteps:\n  - id: a\n    trigger_rule: |')?.labels).toEqual(['all_success', 'none_failed', 'all_done']);
    expect(at('id: x\nsteps:\n  - id: a\n    continue_on_error: |')?.labels).toEqual(['true', 'false']);
  });

  it('offers nothing in comments or where the schema says nothing', () => {
    expect(at('# st|')).toBeUndefined();
    expect(at('id: x\nname: |')).toBeUndefined();
  });
});
