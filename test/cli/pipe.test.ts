import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './cli.js';

describe('output into a pipe that closes early (cairn ... | head)', () => {
  it('stops quietly with exit code 0, no EPIPE stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-pipe-'));
    // Enough output that it cannot all fit in the pipe before the reader goes away.
    const child = spawn(process.execPath, [BIN, '--db', join(dir, 'c.db'), 'schema'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The reader is gone before the command writes anything.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
