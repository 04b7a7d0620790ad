import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinActions } from '../../src/actions/registry.js';
import { prepareRun } from '../../src/app/new-run.js';
import { parseDefinition } from '../../src/definition/index.js';
import type { Run, Workflow } from '../../src/engine/types.js';
import { Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { testStoreLocation } from '../store/test-store.js';

/**
 * A runtime on a real store (a SQLite file in a temp directory, or PostgreSQL: see
 * test/store/test-store.ts), with the built-in actions and the
 * runtime options a test needs (concurrency limits, breakers): what the application will
 * hand it once the integrator wires the configuration through.
 */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-obs-'));
  readonly workflows = new Map<string, Workflow>();
  store!: Store;
  runtime!: Runtime;

  static async open(options: Partial<Omit<RuntimeOptions, 'store' | 'actions' | 'workflowFor'>> = {}): Promise<Harness> {
    const h = new Harness();
    h.store = await openStore(testStoreLocation(h.dir));
    h.runtime = new Runtime({
      store: h.store,
      actions: builtinActions(),
      workflowFor: async (hash) => h.workflowFor(hash),
      workdirFor: () => h.dir,
      onError: (err) => console.error('runtime error', err),
      ...options,
    });
    await h.runtime.start();
    return h;
  }

  workflowFor(hash: string): Workflow {
    const workflow = this.workflows.get(hash);
    if (!workflow) throw new Error(`no workflow ${hash}`);
    return workflow;
  }

  /** The workflow of a run (what an application hands metrics and the event log). */
  async workflowOf(runId: string): Promise<Workflow | undefined> {
    const run = await this.store.getRun(runId);
    return run ? this.workflows.get(run.definitionHash) : undefined;
  }

  /** Start a run of YAML `text` (parsed as the file `name` in the temp directory). */
  async start(name: string, text: string, parameters: Record<string, unknown> = {}): Promise<Run> {
    const path = join(this.dir, name);
    await writeFile(path, text);
    const parsed = parseDefinition(text, { format: 'yaml', path });
    if (!parsed.workflow) throw new Error(`invalid workflow: ${JSON.stringify(parsed.diagnostics)}`);
    const run = await prepareRun(this.store, parsed, parsed.workflow, parameters, { path });
    this.workflows.set(parsed.hash, parsed.workflow);
    await this.runtime.startRun(run, parsed.workflow);
    return run;
  }

  /** Start a run and wait for its end. */
  async finish(name: string, text: string, parameters: Record<string, unknown> = {}): Promise<Run> {
    const run = await this.start(name, text, parameters);
    const final = await this.runtime.waitFor(run.id);
    if (!final) throw new Error(`run ${run.id} was let go`);
    return final;
  }

  async close(): Promise<void> {
    await this.runtime.stop();
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Poll until `check` holds; the generous bound turns a hang into a clear failure, not a timing assertion. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
