import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

const workflow = (pool: string) => `name: deploy
timeout_seconds: 60
steps:
  - id: ship
    command: log
    pool: ${pool}
    parameters: { message: shipping }
`;

describe('pools in validation', () => {
  it('strict validation refuses a pool the configuration does not have, listing the configured ones', async () => {
    ws = new Workspace();
    const config = ws.file('cairn.yaml', 'pools:\n  deploys: { slots: 2 }\n  migrations: { slots: 1 }\n');
    const cairn = await ws.open({ config });
    const file = ws.file('wf.yaml', workflow('deploy'));
    const report = await cairn.validate(file, 'strict');
    expect(report.valid).toBe(false);
    const d = report.diagnostics.find((x) => x.code === 'DEF_UNKNOWN_POOL');
    expect(d).toMatchObject({ severity: 'error', file, line: 6, col: 11 });
    expect(d?.message).toBe("step 'ship' takes a slot of pool 'deploy', which the configuration does not have (configured pools: deploys, migrations)");
    expect(d?.fix).toBe("did you mean 'deploys'?");
    // Standard validation does not look at configuration pools; the step would fail with UNKNOWN_POOL.
    expect((await cairn.validate(file, 'standard')).valid).toBe(true);
    expect((await cairn.validate(ws.file('ok.yaml', workflow('deploys')), 'strict')).diagnostics).toEqual([]);
  });

  it('says how to configure a pool when there are none', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const report = await cairn.validate(ws.file('wf.yaml', workflow('deploys')), 'paranoid');
    const d = report.diagnostics.find((x) => x.code === 'DEF_UNKNOWN_POOL');
    expect(d?.message).toContain('(no pools are configured)');
    expect(d?.fix).toBe('add it to cairn.yaml:\npools:\n  deploys:\n    slots: 1');
  });

  it('locks() lists nothing on a fresh store', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    expect(await cairn.locks()).toEqual({ holders: [], waiters: [] });
  });
});
