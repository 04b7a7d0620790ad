import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cairn } from '../../src/app/index.js';
import { testStoreLocation } from '../store/test-store.js';

/** A temp directory with its own store (SQLite, or PostgreSQL: see test-store.ts), and a way to drop workflow files into it. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-app-'));
  readonly db = testStoreLocation(this.dir);
  private opened: Cairn[] = [];

  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  async open(opts: { leaseMs?: number; config?: string } = {}): Promise<Cairn> {
    const cairn = await Cairn.open({ db: this.db, cwd: this.dir, ...opts, onError: (e) => console.error('runtime error', e) });
    this.opened.push(cairn);
    return cairn;
  }

  async close(): Promise<void> {
    for (const c of this.opened.splice(0)) await c.close().catch(() => undefined);
  }
}
