import * as m001 from './001-initial.js';
import * as m002 from './002-cluster.js';
import * as m003 from './003-operations.js';

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
];

export const LATEST_VERSION = MIGRATIONS.length;
