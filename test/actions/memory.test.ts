import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionFailure, type Memory } from '../../src/actions/action.js';
import { recallAction } from '../../src/actions/recall.js';
import { actionCatalog, builtinActions } from '../../src/actions/registry.js';
import { rememberAction } from '../../src/actions/remember.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { testStoreLocation } from '../store/test-store.js';
import { actionContext, linesOf } from './context.js';

describe('remember and recall', () => {
  let dir: string;
  let store: Store;
  let memory: Memory;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-memory-action-'));
    store = await openStore(testStoreLocation(dir));
    memory = { add: (note) => store.addNote(note), search: (query, opts) => store.searchNotes(query, opts) };
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function remember(parameters: unknown, overrides: { runId?: string; step?: string } = {}) {
    const t = actionContext(rememberAction.parameters.parse(parameters), { memory, ...overrides });
    return { result: await rememberAction.run(t.ctx), lines: t.lines };
  }

  async function recall(parameters: unknown) {
    const t = actionContext(recallAction.parameters.parse(parameters), { memory });
    return (await recallAction.run(t.ctx)).outputs as { notes: Array<Record<string, unknown>>; count: number };
  }

  it('remembers a note with its run and step, and recalls it ranked', async () => {
    const { result, lines } = await remember(
      { text: 'Replica lag came from a long vacuum on orders', category: 'infrastructure', tags: ['postgres', 'lag', 'lag'] },
      { runId: 'run-7', step: 'fix[1]' },
    );
    expect(result.outputs).toStrictEqual({ note_id: expect.any(Number), text: 'Replica lag came from a long vacuum on orders' });
    expect(linesOf(lines, 'system')).toStrictEqual([`remembered note ${String(result.outputs.note_id)} in infrastructure`]);
    await remember({ text: 'vacuum finished', category: 'infrastructure' });
    await remember({ text: 'deploy went fine', category: 'deploys' });

    const found = await recall({ query: 'replica vacuum lag' });
    expect(found.count).toBe(2);
    expect(found.notes[0]).toStrictEqual({
      id: result.outputs.note_id,
      text: 'Replica lag came from a long vacuum on orders',
      category: 'infrastructure',
      tags: ['postgres', 'lag'],
      score: expect.any(Number),
      run_id: 'run-7',
      step: 'fix[1]',
    });
    expect(found.notes[0]!.score as number).toBeGreaterThan(found.notes[1]!.score as number);
    expect((await recall({ query: 'postgres' })).count).toBe(1);
    expect((await recall({ query: 'vacuum', category: 'deploys' })).count).toBe(0);
    expect((await recall({ limit: 1 })).notes.map((n) => n.text)).toStrictEqual(['deploy went fine']);
  });

  it('writes a default text naming the run and step when given only a category (seed-004)', async () => {
    const { result } = await remember({ category: 'infrastructure' }, { runId: 'run-42', step: 'document_results' });
    expect(result.outputs.text).toBe('Run run-42 step document_results');
    const [hit] = (await recall({ query: 'document_results', category: 'infrastructure' })).notes;
    expect(hit).toMatchObject({ run_id: 'run-42', step: 'document_results', category: 'infrastructure', tags: [] });
  });

  it('takes `note` as another name for `text`, but not both', async () => {
    const { result } = await remember({ note: '  trimmed  ' });
    expect(result.outputs.text).toBe('trimmed');
    expect(rememberAction.parameters.safeParse({ text: 'a', note: 'b' }).success).toBe(false);
    expect(rememberAction.parameters.safeParse({ text: '   ' }).success).toBe(false);
    expect(rememberAction.parameters.safeParse({ text: 'a', tags: 'x' }).success).toBe(false);
    expect(rememberAction.parameters.safeParse({ text: 'a', extra: 1 }).success).toBe(false);
  });

  it('recalls without throwing whatever the query holds', async () => {
    await remember({ text: 'a "quoted" NEAR(thing) AND -minus' });
    for (const query of ['"', 'NEAR(', 'AND', '-minus', 'col:umn', '*']) {
      expect((await recall({ query })).count, query).toBeGreaterThanOrEqual(0);
    }
    expect((await recall({ query: 'NEAR(' })).count).toBe(1);
    expect(recallAction.parameters.safeParse({ limit: 0 }).success).toBe(false);
    expect(recallAction.parameters.safeParse({ limit: 101 }).success).toBe(false);
  });

  it('fails clearly, without retry, when the runtime has no memory', async () => {
    for (const [action, parameters] of [
      [rememberAction, { text: 'x' }],
      [recallAction, { query: 'x' }],
    ] as const) {
      const t = actionContext(parameters);
      const error = await (action.run as (ctx: unknown) => Promise<unknown>)(t.ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionFailure);
      expect(error).toMatchObject({ code: 'MEMORY_UNAVAILABLE', retryable: false });
      expect((error as Error).message).toContain(`\`${action.name}\``);
    }
  });
});

describe('registry', () => {
  it('has remember, recall, gate and notify built in; only remember changes the world', () => {
    const catalog = actionCatalog(builtinActions());
    expect(catalog.names()).toEqual(expect.arrayContaining(['gate', 'notify', 'recall', 'remember']));
    expect(['gate', 'notify', 'recall', 'remember'].map((name) => catalog.mutates(name))).toStrictEqual([false, false, false, true]);
    // The seed-004 fixture's `remember` step gives only a category.
    expect(catalog.parameters('remember')?.safeParse({ category: 'infrastructure' }).success).toBe(true);
  });
});
