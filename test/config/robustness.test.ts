import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig, mergeParameters, parseConfigText, validateConfig } from '../../src/config/index.js';
import { BUILTINS } from './support.js';

const SECTIONS = ['store', 'defaults', 'commands', 'notify', 'pools', 'server', 'path', 'uses', 'parameters', 'channels', 'type', 'url', 'headers', 'slots', 'retry', '__proto__'];
const key = fc.oneof(fc.constantFrom(...SECTIONS), fc.string({ maxLength: 8 }));
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, fc.constantFrom('webhook', 'slack', 'log', 'task', 'shell', 'https://x.example', '${env:X}', '${env:'), fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('any'), { maxLength: 3 }), fc.dictionary(key, tie('any'), { maxKeys: 4 })),
})).any;

describe('no input makes the configuration throw', () => {
  it('validateConfig: any data gives a Config and diagnostics; errors mean the defaults', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.dictionary(fc.constantFrom('X', 'Y'), fc.string()), (data, env) => {
        const result = validateConfig(data, { builtins: BUILTINS, env });
        expect(result.config).toBeDefined();
        if (result.diagnostics.some((d) => d.severity === 'error')) expect(result.config).toEqual(defaultConfig());
        for (const d of result.diagnostics) expect(d.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('parseConfigText: any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const source = parseConfigText(text, 'cairn.yaml');
        validateConfig(source.data, { builtins: BUILTINS });
      }),
      { numRuns: 300 },
    );
  });

  it('mergeParameters: the step wins at every leaf it sets', () => {
    const params = fc.dictionary(key, value, { maxKeys: 4 });
    fc.assert(
      fc.property(params, params, (preset, step) => {
        const merged = mergeParameters(preset, step);
        for (const [k, v] of Object.entries(step)) {
          const isMap = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
          if (!isMap(v) || !isMap(preset[k])) expect(merged[k]).toEqual(v);
        }
      }),
      { numRuns: 300 },
    );
  });
});
