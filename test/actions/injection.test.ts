import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { shellAction } from '../../src/actions/shell.js';
import { actionContext } from './context.js';

/**
 * Parameters are data, never code: hostile values handed to a shell step through `env`
 * or `argv` reach the step byte for byte, and nothing else runs.
 */

const scratch = mkdtempSync(join(tmpdir(), 'cairn-injection-'));
const marker = join(scratch, 'pwned');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hostile = [
  `; touch ${marker}`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `a\ntouch ${marker}`,
  `a\r\ntouch ${marker}\n`,
  `'; touch ${marker}; '`,
  `"; touch ${marker}; "`,
  `' "$(touch ${marker})" '`,
  `\\"; touch ${marker} #`,
  `| touch ${marker}`,
  `&& touch ${marker}`,
  `> ${marker}`,
  `\${IFS}touch\${IFS}${marker}`,
  `$((1+1)) $HOME * ~ !! %s %n`,
  `-n`,
  `--help`,
  ``,
  `   leading and trailing spaces   `,
  `naïve ✓ 日本 🎉`,
  `x=$(touch ${marker}) y`,
];

let counter = 0;

async function throughEnv(value: string): Promise<Buffer> {
  const file = join(scratch, `env-${++counter}`);
  const t = actionContext(shellAction.parameters.parse({ run: `printf '%s' "$VALUE" > "$FILE"`, env: { VALUE: value, FILE: file } }));
  await shellAction.run(t.ctx);
  return readFileSync(file);
}

async function throughArgv(value: string): Promise<Buffer> {
  const file = join(scratch, `argv-${++counter}`);
  const t = actionContext(shellAction.parameters.parse({ argv: ['bash', '-c', `printf '%s' "$1" > "$2"`, 'step', value, file] }));
  await shellAction.run(t.ctx);
  return readFileSync(file);
}

describe('injection', () => {
  it.each(hostile.map((value) => [JSON.stringify(value), value]))('env value %s arrives byte-identical', async (_, value) => {
    expect(await throughEnv(value)).toEqual(Buffer.from(value, 'utf8'));
    expect(existsSync(marker)).toBe(false);
  });

  it.each(hostile.map((value) => [JSON.stringify(value), value]))('argv value %s arrives byte-identical', async (_, value) => {
    expect(await throughArgv(value)).toEqual(Buffer.from(value, 'utf8'));
    expect(existsSync(marker)).toBe(false);
  });

  it('argv runs the program itself: no shell parses the arguments', async () => {
    const t = actionContext(shellAction.parameters.parse({ argv: ['printf', '%s', `$(touch ${marker}); touch ${marker}`] }));
    const { outputs } = await shellAction.run(t.ctx);
    expect(outputs.stdout).toBe(`$(touch ${marker}); touch ${marker}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('any string without NUL survives env unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 64 }).filter((s) => !s.includes('\0')),
        async (value) => {
          expect(await throughEnv(value)).toEqual(Buffer.from(value, 'utf8'));
        },
      ),
      { numRuns: 60 },
    );
    expect(existsSync(marker)).toBe(false);
  });
});
