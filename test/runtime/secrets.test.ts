import { describe, expect, it } from 'vitest';
import { maskedSecrets, redactionList, redactText, redactValue, revealParameters, secretNames } from '../../src/runtime/secrets.js';
import { renderTemplates } from '../../src/expressions/index.js';

describe('secret references and redaction', () => {
  it('finds the secrets a value reads, each once, and nothing else', () => {
    expect(secretNames({ env: { A: '${{ secrets.TOKEN }}', B: 'x ${{ secrets.TOKEN }} ${{ secrets.OTHER }}' }, run: 'echo', n: 3 })).toEqual(['TOKEN', 'OTHER']);
    expect(secretNames({ env: { A: '${{ parameters.secrets }}', B: 'secrets.TOKEN' } })).toEqual([]);
  });

  it('prepares with masks and reveals only the strings that read a secret', async () => {
    const template = { env: { AUTH: 'Bearer ${{ secrets.T }}', WHO: '${{ parameters.who }}' }, run: 'echo' };
    const context = { parameters: { who: 'ada' } };
    const prepared = await renderTemplates(template, { ...context, secrets: maskedSecrets(['T']) });
    expect(prepared).toEqual({ env: { AUTH: 'Bearer ***', WHO: 'ada' }, run: 'echo' });
    const revealed = await revealParameters(template, prepared, context, new Map([['T', 's3cr3t']]));
    expect(revealed).toEqual({ env: { AUTH: 'Bearer s3cr3t', WHO: 'ada' }, run: 'echo' });
    expect(prepared).toEqual({ env: { AUTH: 'Bearer ***', WHO: 'ada' }, run: 'echo' });
  });

  it('redacts values, the long lines of a multi-line value, and keys, longest first', () => {
    const pem = '-----BEGIN KEY-----\nMIIEowIBAAKCAQEA1\nshort\n-----END KEY-----';
    const list = redactionList([pem, 'abc', 'abcdef', '']);
    expect(list).toContain(pem);
    expect(list).toContain('MIIEowIBAAKCAQEA1');
    expect(list.indexOf(pem)).toBeLessThan(list.indexOf('MIIEowIBAAKCAQEA1'));
    expect(list.map((s) => s.length)).toEqual(list.map((s) => s.length).sort((a, b) => b - a));
    expect(list).not.toContain('short');
    expect(list).not.toContain('');
    expect(redactText('x abcdef y abc', list)).toBe('x *** y ***');
    expect(redactText('line: MIIEowIBAAKCAQEA1', list)).toBe('line: ***');
    const value = { out: ['abcdef', { abc: 1 }], n: 2, nothing: null };
    expect(redactValue(value, list)).toEqual({ out: ['***', { '***': 1 }], n: 2, nothing: null });
    expect(value.out[0]).toBe('abcdef');
    expect(redactValue(value, [])).toBe(value);
  });

  it('redacts a long value in its usual encodings too: URL, JSON string, base64, base64url', () => {
    const secret = 'p@ss w/"rd+?é\n2';
    const list = redactionList([secret]);
    const printed = [
      `url: https://x.test/?t=${encodeURIComponent(secret)}`,
      `json: ${JSON.stringify({ token: secret })}`,
      `b64: ${Buffer.from(secret).toString('base64')}`,
      `b64url: ${Buffer.from(secret).toString('base64url')}`,
    ];
    for (const line of printed) expect(redactText(line, list), line).not.toMatch(/p@ss|p%40ss|cEBzc|\\"rd/);
    expect(redactText(printed[1]!, list)).toBe('json: {"token":"***"}');
    // A short value is matched only as it is: its encodings would mask ordinary text.
    expect(redactionList(['abc'])).toEqual(['abc']);
  });
});
