import * as m001 from './001-initial.js';
import * as m002 from './002-memory.js';
import * as m003 from './003-locks.js';
import * as m004 from './004-parent.js';
import * as m005 from './005-server.js';
import * as m006 from './006-cluster.js';
import * as m007 from './007-operations.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append-only: never edit a released migration, add the next number instead. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
  { version: 3, ...m003 },
  { version: 4, ...m004 },
  { version: 5, ...m005 },
  { version: 6, ...m006 },
  { version: 7, ...m007 },
];

export const LATEST_VERSION = MIGRATIONS.length;
