import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cairn } from '../cli/cli.js';

/* `cairn suggest` and `cairn autocomplete` as a user runs them: the built CLI, a temp store. */

describe('cairn suggest and cairn autocomplete', () => {
  it('rank templates and stored workflows with reasons, learn from runs, and refuse bad flags with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-suggest-'));
    const db = ['--db', join(dir, 'cairn.db')];
    writeFileSync(join(dir, 'warm.yaml'), 'name: warm-cache\ndescription: Warm the product cache after a deploy\nsteps:\n  - { id: a, command: log, parameters: { message: warming } }\n  - { id: b, command: log, parameters: { message: warm }, depends_on: [a] }\n');
    writeFileSync(join(dir, 'ship.yaml'), 'name: ship\ndescription: Ship the release\nsteps:\n  - { id: a, command: log, parameters: { message: shipping } }\n');
    for (const file of ['ship.yaml', 'warm.yaml', 'ship.yaml', 'warm.yaml']) expect((await cairn([...db, 'run', file, '-q'], { cwd: dir })).code).toBe(0);

    const json = await cairn([...db, 'suggest', '--context', 'security incident detected', '--recent', 'hv-status,hv-broadcast', '--intent', 'handle security threat', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const { suggestions } = JSON.parse(json.stdout) as { suggestions: Array<{ workflow: string; score: number; reasons: string[] }> };
    expect(suggestions[0]).toMatchObject({ workflow: 'template:security-alert', score: expect.any(Number) });
    expect(suggestions[0]?.reasons[0]).toMatch(/^matches 'security'/);

    const learnt = await cairn([...db, 'suggest', '--recent', 'ship'], { cwd: dir });
    expect(learnt.code).toBe(0);
    expect(learnt.stdout).toContain('1. warm-cache');
    expect(learnt.stdout).toContain('2 past runs, 100% succeeded; usually follows ship (2 of 2 times)');

    const next = await cairn([...db, 'autocomplete', 'log', '--json'], { cwd: dir });
    expect(next.code).toBe(0);
    const completion = JSON.parse(next.stdout) as { sequence: string[]; next: unknown[] };
    expect(completion.sequence).toEqual(['log']);
    expect(completion.next[0]).toMatchObject({ command: 'log', workflows: ['warm-cache'] });
    expect((await cairn([...db, 'autocomplete', 'log'], { cwd: dir })).stdout).toContain('next: log (warm-cache)');

    const none = await cairn([...db, 'suggest'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --context, --intent or --recent');
    expect((await cairn([...db, 'suggest', '--intent', 'x', '--limit', 'many'], { cwd: dir })).code).toBe(2);
    expect((await cairn([...db, 'autocomplete', ' , '], { cwd: dir })).code).toBe(2);
  });
});
