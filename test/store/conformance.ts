import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeChildCases } from './conformance-children.js';
import { describeExportCases } from './conformance-export.js';
import { describeInboxAndLogCases } from './conformance-inbox.js';
import { describeLockCases } from './conformance-locks.js';
import { describeMemoryCases } from './conformance-memory.js';
import { describeOperationCases } from './conformance-operations.js';
import { describeOwnershipCases } from './conformance-ownership.js';
import { describeProcessCases } from './conformance-processes.js';
import { describeRunCases } from './conformance-runs.js';
import { describeServerCases } from './conformance-server.js';
import { describeTaskCases } from './conformance-tasks.js';

/**
 * The one test suite every Store implementation must pass (SQLite now, PostgreSQL later).
 * `makeStore` gives a fresh, empty store for each case, and a cleanup that closes it.
 */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** Access to the current case's store, for the case files. */
export interface StoreContext {
  readonly store: Store;
}

export function describeStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`Store conformance: ${name}`, () => {
    let current: Awaited<ReturnType<MakeStore>> | undefined;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });
    const ctx: StoreContext = {
      get store() {
        if (current === undefined) throw new Error('no store: used outside a test case');
        return current.store;
      },
    };
    describeRunCases(ctx);
    describeOwnershipCases(ctx);
    describeInboxAndLogCases(ctx);
    describeProcessCases(ctx);
    describeMemoryCases(ctx);
    describeLockCases(ctx);
    describeChildCases(ctx);
    describeServerCases(ctx);
    describeExportCases(ctx);
    describeOperationCases(ctx);
    describeTaskCases(ctx);
  });
}
