import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cairn, ROOT } from '../cli/cli.js';

let dir: string;
let db: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/bundle/cairn.cjs'))) throw new Error('build first: npm run build (npm test does it)');
  dir = mkdtempSync(join(tmpdir(), 'cairn-templates-cli-'));
  db = join(dir, 'cairn.db');
});

const NINE = ['compliance-gates', 'config-update', 'dev-cycle', 'incident-response', 'knowledge-sharing', 'maintenance-window', 'port-guardian', 'security-alert', 'task-delegation'];

describe('cairn templates', () => {
  it('--json lists the nine templates with what a person needs to pick and run one', async () => {
    const r = await cairn(['templates', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.map((t) => t['name'])).toEqual(NINE);
    for (const t of list) {
      expect(Object.keys(t)).toEqual(['workflow', 'name', 'description', 'category', 'tags', 'parameters', 'steps', 'path']);
      expect(t['workflow']).toBe(`template:${t['name'] as string}`);
      expect(t['description']).toEqual(expect.any(String));
      expect(t['category']).toEqual(expect.any(String));
      expect(existsSync(t['path'] as string)).toBe(true);
    }
    expect(list.find((t) => t['name'] === 'incident-response')).toMatchObject({
      category: 'incident',
      parameters: { severity: { type: 'string', required: false, default: 'high', enum: ['low', 'medium', 'high', 'critical'] } },
    });
  });

  it('lists them as a table for people', async () => {
    const r = await cairn(['templates'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const name of NINE) expect(r.stdout).toContain(`template:${name}`);
    expect(r.stdout).toMatch(/template:compliance-gates\s+compliance\s+Compliance gates/);
  });

  it('each template file passes `cairn validate --level strict` with no warning', async () => {
    for (const name of NINE) {
      const r = await cairn(['validate', `templates/${name}.yaml`, '--level', 'strict']);
      expect(r.stderr, name).toBe('');
      expect(r.stdout).toContain(`is valid at level strict (${name},`);
      expect(r.code).toBe(0);
    }
  });
});

describe('cairn run template:NAME', () => {
  it('runs incident-response from any folder; its task is answered from another process', async () => {
    const running = cairn(['run', 'template:incident-response', '-p', 'service=checkout', '-p', 'severity=critical', '--db', db], { cwd: dir, timeoutMs: 90_000 });
    let task: { runId: string; step: string } | undefined;
    for (let i = 0; i < 300 && !task; i++) {
      const r = await cairn(['tasks', '--json', '--db', db], { cwd: dir });
      task = (JSON.parse(r.stdout || '[]') as Array<{ runId: string; step: string }>)[0];
      if (!task) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(task?.step).toBe('delegate');
    const done = await cairn(['complete', task?.runId ?? '', 'delegate', '--output', '{"resolution":"scaled out"}', '--as', 'alice', '--db', db], { cwd: dir });
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ incident-response succeeded/);
    expect(r.stdout).toMatch(/Incident: checkout \(critical\)/);
  }, 120_000);

  it('refuses an unknown template with the names there are', async () => {
    const r = await cairn(['run', 'template:incident', '--db', db], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no built-in template 'incident'; the templates are: compliance-gates, config-update/);
  });
});
