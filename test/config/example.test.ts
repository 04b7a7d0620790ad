import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mergeParameters, resolveCommand } from '../../src/config/index.js';
import { BUILTINS, lines, load } from './support.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('examples/cairn.yaml', () => {
  it('loads without a diagnostic and maps the seed commands', async () => {
    const { config, diagnostics } = await load(repo, { path: 'examples/cairn.yaml' });
    expect(lines(diagnostics)).toEqual([]);
    expect(config.store.path).toBe(resolve(repo, '.cairn/cairn.db'));
    expect(resolveCommand(config, 'hv-delegate')).toEqual({ builtin: 'task', preset: { assignee: 'ops' } });
    expect(resolveCommand(config, 'hv-status')?.builtin).toBe('shell');
    expect(resolveCommand(config, 'hv-broadcast')).toEqual({ builtin: 'notify', preset: { channel: 'ops' } });
    for (const [, command] of Object.entries(config.commands)) expect(BUILTINS).toContain(command.uses);
  });

  it('runs the seed-004 steps as tasks for ops, with their own parameters', async () => {
    const { config } = await load(repo, { path: 'examples/cairn.yaml' });
    const seed = JSON.parse(readFileSync(resolve(repo, 'test/fixtures/seeds/seed-004-database-maintenance.json'), 'utf8')) as { steps: { command: string; parameters: Record<string, unknown> }[] };
    const backup = seed.steps[0]!;
    const resolved = resolveCommand(config, backup.command)!;
    expect(resolved.builtin).toBe('task');
    expect(mergeParameters(resolved.preset, backup.parameters)).toEqual({ assignee: 'ops', task: 'backup database', priority: 'high' });
  });
});
