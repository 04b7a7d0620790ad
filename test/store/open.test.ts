import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStoreLocation, openStore } from '../../src/store/open.js';
import { StoreError } from '../../src/store/store.js';

describe('openStore', () => {
  it('opens a SQLite file for a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-open-'));
    try {
      const store = await openStore(join(dir, '.cairn', 'cairn.db'));
      expect(store.location).toBe(`sqlite:${join(dir, '.cairn', 'cairn.db')}`);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['postgres://u:p@127.0.0.1:1/cairn', 'postgresql://127.0.0.1:1/cairn', 'POSTGRES://127.0.0.1:1/x'])(
    'opens PostgreSQL for %s, and says clearly when the server is not there',
    async (url) => {
      const err = await openStore(url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('STORE_UNAVAILABLE');
      expect((err as StoreError).message).toMatch(/cannot reach PostgreSQL at postgres:\/\/\S*127\.0\.0\.1:1\//);
      expect((err as StoreError).message).not.toContain(':p@');
    },
  );
});

describe('defaultStoreLocation', () => {
  it('is .cairn/cairn.db under the working directory', () => {
    expect(defaultStoreLocation({}, '/work/proj')).toBe('/work/proj/.cairn/cairn.db');
    expect(defaultStoreLocation({ CAIRN_DB: '' }, '/work/proj')).toBe('/work/proj/.cairn/cairn.db');
  });

  it('follows CAIRN_DB, resolving a relative path against the working directory', () => {
    expect(defaultStoreLocation({ CAIRN_DB: '/var/lib/cairn.db' }, '/work/proj')).toBe('/var/lib/cairn.db');
    expect(defaultStoreLocation({ CAIRN_DB: 'data/c.db' }, '/work/proj')).toBe('/work/proj/data/c.db');
    expect(defaultStoreLocation({ CAIRN_DB: 'postgres://db/cairn' }, '/work/proj')).toBe('postgres://db/cairn');
  });
});
