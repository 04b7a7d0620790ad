import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cairn } from '../cli/cli.js';

/* `cairn analytics` as a user runs it: the built CLI in a child process, over a temp store. */

describe('cairn analytics', () => {
  it('says there is no history, then shows the table, --json, and refuses bad flags with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-analytics-'));
    const db = ['--db', join(dir, 'cairn.db')];
    const empty = await cairn([...db, 'analytics'], { cwd: dir });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No history yet: no runs in the store, so there are no figures to show.');

    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nsteps:\n  - id: write\n    command: shell\n    parameters:\n      run: echo "disk full" >&2; exit 3\n');
    writeFileSync(join(dir, 'ok.yaml'), 'name: ok\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n');
    expect((await cairn([...db, 'run', 'broken.yaml', '-q'], { cwd: dir })).code).toBe(1);
    expect((await cairn([...db, 'run', 'ok.yaml', '-q'], { cwd: dir })).code).toBe(0);

    const text = await cairn([...db, 'analytics'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('2 runs of 2 workflows.');
    expect(text.stdout).toMatch(/broken\s+1\s+0\s+1\s+0%/);
    expect(text.stdout).toMatch(/ok\s+1\s+1\s+0\s+100%/);
    expect(text.stdout).toContain('runs per hour');
    expect(text.stdout).toContain('1×  EXIT_CODE  command exited with code 3: disk full');

    const json = await cairn([...db, 'analytics', '--workflow', 'ok', '--since', '1d', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ empty: false, window: { workflowId: 'ok', runs: 1 }, workflows: [{ workflowId: 'ok', successRate: 1 }] });

    const since = await cairn([...db, 'analytics', '--since', 'yesterday'], { cwd: dir });
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("--since: expected a duration back from now (90m, 24h, 7d, 2w) or a date (2026-11-01, 2026-11-01T08:00Z); got 'yesterday'");
    const limit = await cairn([...db, 'analytics', '--limit', 'lots'], { cwd: dir });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain("--limit must be a positive whole number, got 'lots'");
  }, 120_000);
});
