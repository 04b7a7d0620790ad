import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefinitionFile, validateWorkflow } from '../../src/definition/index.js';
import { errors, testCatalog } from './support.js';

const copies = fileURLToPath(new URL('../fixtures/seeds/', import.meta.url));
const shared = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const SEED_000 = 'seed-000-active-port-management.json';
const SEED_004 = 'seed-004-database-maintenance.json';

describe('the seed fixtures load as they stand', () => {
  it('keeps test/fixtures/seeds identical to ../shared/fixtures when that folder is present', () => {
    if (!existsSync(shared)) return;
    for (const name of [SEED_000, SEED_004]) {
      expect(readFileSync(`${copies}${name}`, 'utf8')).toBe(readFileSync(`${shared}${name}`, 'utf8'));
    }
  });

  it('accepts seed-000 (workflow_id, steps without command) with warnings for its extra keys', async () => {
    const parsed = await loadDefinitionFile(`${copies}${SEED_000}`);
    expect(errors(parsed.diagnostics)).toEqual([]);
    expect(await validateWorkflow(parsed, 'basic')).toEqual([]);
    const wf = parsed.workflow!;
    expect(wf.id).toBe('active-port-management-v1');
    expect(wf.name).toBe('active-port-management-v1');
    expect(wf.steps.map((s) => [s.id, s.command])).toEqual([
      ['build-guardian', 'task'],
      ['integrate-startup', 'task'],
    ]);
    // Nothing silently lost: the step's other fields are kept and reported.
    expect(wf.extras).toEqual({ pattern: 'infrastructure-enforcement' });
    expect(wf.steps[0]!.extras).toEqual({ type: 'development', enforcement: 'code-review', validation: 'unit-tests' });
    const warnings = parsed.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.path.join('.')}`);
    expect(warnings).toEqual([
      '3:3 DEF_EXTRA_KEY pattern',
      '7:7 DEF_EXTRA_KEY steps.0.type',
      '8:7 DEF_EXTRA_KEY steps.0.enforcement',
      '9:7 DEF_EXTRA_KEY steps.0.validation',
      '13:7 DEF_EXTRA_KEY steps.1.type',
      '14:7 DEF_EXTRA_KEY steps.1.enforcement',
      '15:7 DEF_EXTRA_KEY steps.1.validation',
    ]);
  });

  it('accepts seed-004: approval_required adds an approval first; rollback_enabled and estimated_duration are kept', async () => {
    const parsed = await loadDefinitionFile(`${copies}${SEED_004}`);
    expect(parsed.diagnostics).toEqual([]);
    expect(await validateWorkflow(parsed, 'basic')).toEqual([]);
    const wf = parsed.workflow!;
    expect(wf.id).toBe('database-maintenance');
    expect(wf.name).toBe('Database Maintenance');
    expect(wf.category).toBe('maintenance');
    expect(wf.tags).toEqual(['database', 'maintenance', 'optimization']);
    expect(wf.extras).toEqual({ estimated_duration: 7200 });
    expect(wf.rollbackEnabled).toBe(true);
    expect(wf.steps.map((s) => `${s.id}:${s.command}:${s.dependsOn.join('+')}:${s.timeoutSeconds}`)).toEqual([
      'backup_db:hv-delegate:approve:1800',
      'optimize_tables:hv-delegate:backup_db:3600',
      'update_stats:hv-delegate:optimize_tables:900',
      'document_results:remember:update_stats:300',
      'approve:approval::undefined',
    ]);
    expect(wf.steps[0]!.parameters).toEqual({ task: 'backup database', priority: 'high' });
  });

  it('reports hv-delegate as unknown at standard level, with the fix, until it is configured', async () => {
    const parsed = await loadDefinitionFile(`${copies}${SEED_004}`);
    const found = await validateWorkflow(parsed, 'standard', testCatalog());
    const unknown = found.filter((d) => d.code === 'DEF_UNKNOWN_COMMAND');
    // The four written commands, and the approval step that approval_required (line 6) adds.
    expect(unknown.map((d) => `${d.line}:${d.col}`)).toEqual(['9:24', '16:24', '24:24', '32:24', '6:14']);
    expect(unknown[0]!.message).toContain("unknown command 'hv-delegate'");
    expect(unknown[0]!.message).toContain("Known commands: 'http', 'log', 'shell' and 'wait'");
    expect(unknown[0]!.fix).toContain('`commands:` in cairn.yaml');
    expect(await validateWorkflow(parsed, 'standard', testCatalog(['approval', 'hv-delegate', 'remember']))).toEqual([]);
  });

  it('accepts both at every level once their commands exist', async () => {
    for (const name of [SEED_000, SEED_004]) {
      const parsed = await loadDefinitionFile(`${copies}${name}`);
      for (const level of ['basic', 'standard', 'strict', 'paranoid'] as const) {
        expect(errors(await validateWorkflow(parsed, level, testCatalog(['task', 'approval', 'hv-delegate', 'remember'])))).toEqual([]);
      }
    }
  });
});
