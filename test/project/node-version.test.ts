import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pinDatabase as pinned } from '../../src/store/sqlite/native-lifetime.js';

// .ci/run runs the suite on Node 20 and again on Node 24 with better-sqlite3 rebuilt for
// it: this is the smallest proof that the native module matches the running Node.
describe('runtime', () => {
  it('runs on a supported Node.js (20.19+)', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
  });

  it('loads better-sqlite3 and opens an in-memory database', () => {
    const db = pinned(new Database(':memory:'));
    try {
      db.exec('CREATE TABLE t (v TEXT)');
      db.prepare('INSERT INTO t (v) VALUES (?)').run(process.version);
      expect(db.prepare('SELECT v FROM t').get()).toEqual({ v: process.version });
    } finally {
      db.close();
    }
  });
});
