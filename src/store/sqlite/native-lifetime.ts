/**
 * better-sqlite3 (before 13) wraps its Database and Statement objects in node::ObjectWrap.
 * Since Node.js 24.19, freeing such an object from a garbage collection that runs outside
 * JavaScript (idle or background GC) aborts the process: "Assertion failed: (env) !=
 * nullptr" in RemoveEnvironmentCleanupHook. better-sqlite3 13 fixes it but does not run
 * on Node.js 20, which Cairn supports. So every native object the store makes is kept
 * reachable for the life of the process and never reaches the collector. What it costs
 * is bounded: a store prepares its statements once when it opens.
 */
const pinned = new Set<object>();

export function pin<T extends object>(value: T): T {
  pinned.add(value);
  return value;
}

/** Pin a database and every statement its `prepare()` makes from now on. */
export function pinDatabase<D extends { prepare(sql: string): object }>(db: D): D {
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => pin(prepare(sql))) as D['prepare'];
  return pin(db);
}
