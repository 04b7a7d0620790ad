import * as m001 from './001-initial.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append-only: never edit a released migration, add the next number instead. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, ...m001 }];

export const LATEST_VERSION = MIGRATIONS.length;
