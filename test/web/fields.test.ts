import { describe, expect, it } from 'vitest';
import { fieldsFromParameters, fieldsFromSchema, readField, readForm, toText, type Field } from '../../web/src/forms/fields';

const field = (type: string, extra: Partial<Field> = {}): Field => ({ name: 'x', type, required: false, ...extra });

describe('reading a generated form', () => {
  it('reads each type, and says what is wrong with a bad value', () => {
    expect(readField(field('integer'), '42')).toEqual({ ok: true, value: 42 });
    expect(readField(field('integer'), '4.5')).toEqual({ ok: false, error: 'must be a whole number' });
    expect(readField(field('number'), 'abc')).toEqual({ ok: false, error: 'must be a number' });
    expect(readField(field('number'), '4.5')).toEqual({ ok: true, value: 4.5 });
    expect(readField(field('boolean'), 'true')).toEqual({ ok: true, value: true });
    expect(readField(field('boolean'), 'yes')).toEqual({ ok: false, error: 'must be true or false' });
    expect(readField(field('array'), '[1, "a"]')).toEqual({ ok: true, value: [1, 'a'] });
    expect(readField(field('array'), '{"a": 1}')).toEqual({ ok: false, error: 'must be a JSON array' });
    expect(readField(field('object'), '[1]')).toEqual({ ok: false, error: 'must be a JSON object' });
    expect(readField(field('object'), '{oops')).toEqual({ ok: false, error: 'must be JSON ({...})' });
    expect(readField(field('string'), ' keep spaces ')).toEqual({ ok: true, value: ' keep spaces ' });
  });

  it('refuses an empty required field, leaves out an empty optional one', () => {
    expect(readField(field('string', { required: true }), '')).toEqual({ ok: false, error: 'x is required' });
    expect(readField(field('integer'), '  ')).toEqual({ ok: true, value: undefined });
    const fields = [field('string', { name: 'a', required: true }), field('integer', { name: 'b' })];
    expect(readForm(fields, { a: 'hi', b: '' })).toEqual({ values: { a: 'hi' }, errors: {} });
    expect(readForm(fields, { a: '', b: 'x' })).toEqual({ values: {}, errors: { a: 'a is required', b: 'must be a number' } });
  });

  it('checks enums and JSON Schema bounds', () => {
    expect(readField(field('string', { enum: ['ship', 'changes'] }), 'maybe')).toEqual({ ok: false, error: 'must be one of: "ship", "changes"' });
    expect(readField(field('integer', { enum: [1, 2] }), '2')).toEqual({ ok: true, value: 2 });
    expect(readField(field('integer', { minimum: 1, maximum: 5 }), '9')).toEqual({ ok: false, error: 'must be at most 5' });
    expect(readField(field('integer', { minimum: 1 }), '0')).toEqual({ ok: false, error: 'must be at least 1' });
    expect(readField(field('string', { minLength: 3 }), 'ab')).toEqual({ ok: false, error: 'must be at least 3 characters' });
    expect(readField(field('string', { pattern: '^v[0-9]+$' }), 'x1')).toEqual({ ok: false, error: 'must match ^v[0-9]+$' });
  });
});

describe('fields from a definition or a schema', () => {
  it('starts from the value used most in successful runs, else the default, with the history as suggestions', () => {
    const fields = fieldsFromParameters(
      { who: { type: 'string', required: false, default: 'world' }, count: { type: 'integer', required: true } },
      [{ name: 'who', values: [{ value: 'ops', count: 3 }], suggested: 'ops' }],
    );
    expect(fields.map((f) => f.name)).toEqual(['count', 'who']);
    expect(fields[1]).toMatchObject({ initial: 'ops', default: 'world', used: [{ value: 'ops', count: 3 }] });
    expect(fields[0]).toMatchObject({ required: true });
    expect(fields[0]!.initial).toBeUndefined();
    expect(fieldsFromParameters({ who: { type: 'string', required: false, default: 'world' } })[0]!.initial).toBe('world');
  });

  it("reads a task's output schema: types, required, enums, defaults, bounds", () => {
    const fields = fieldsFromSchema({
      type: 'object',
      required: ['verdict'],
      properties: { verdict: { enum: ['ship', 'changes'] }, score: { type: ['integer', 'null'], minimum: 0 }, note: { type: 'string', default: 'ok' } },
    });
    expect(fields).toEqual([
      { name: 'verdict', type: 'string', required: true, enum: ['ship', 'changes'] },
      { name: 'score', type: 'integer', required: false, minimum: 0 },
      { name: 'note', type: 'string', required: false, default: 'ok', initial: 'ok' },
    ]);
    expect(fieldsFromSchema(undefined)).toEqual([]);
  });

  it('shows arrays and objects as JSON text', () => {
    expect(toText(field('array'), [1, 2])).toBe('[1,2]');
    expect(toText(field('string'), undefined)).toBe('');
  });
});
