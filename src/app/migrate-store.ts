import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TERMINAL_RUN_STATUSES, type Run, type RunEvent } from '../engine/types.js';
import { isPostgresUrl, openStore } from '../store/open.js';
import type { Delivery } from '../store/records.js';
import type { Store } from '../store/store.js';
import { WEBHOOK_CURSOR } from '../webhooks/dispatcher.js';
import { CairnError } from './errors.js';

/*
 * `cairn migrate-store`: copies one store into another, empty one, through the Store
 * interface only, so any pair of implementations works (SQLite -> PostgreSQL, and back).
 * Events are written in the source's feed order, so the target's feed reads the same story
 * in the same order; feed cursors (the webhook outbox's) are translated to the target's
 * numbering. Runs arrive unowned: `cairn resume` (or `cairn serve`) on the target carries
 * the unfinished ones on.
 */

export interface MigrationCounts {
  definitions: number;
  runs: number;
  events: number;
  steps: number;
  logs: number;
  notes: number;
  keys: number;
  webhooks: number;
  deliveries: number;
  cursors: number;
  /** Secrets, still sealed: the target needs the same master key. */
  secrets: number;
  audit: number;
}

export interface MigrateOptions {
  from: string;
  to: string;
  /** Copy even while a live process holds runs of the source (their leases). */
  force?: boolean;
  /** Called as each part is copied, with the counts so far. */
  progress?: (part: keyof MigrationCounts, counts: MigrationCounts) => void;
}

/** Pages of the feed and of logs: bounded memory whatever the size of the store. */
const PAGE = 1000;

export async function migrateStore(opts: MigrateOptions): Promise<MigrationCounts> {
  // Opening a SQLite path creates the file: a mistyped --from would copy an empty store.
  if (!isPostgresUrl(opts.from) && !existsSync(opts.from)) throw new CairnError('STORE_UNAVAILABLE', `--from: there is no store at ${opts.from}`, { from: opts.from });
  if (sameLocation(opts.from, opts.to)) throw new CairnError('NOT_ALLOWED', `--from and --to name the same store (${opts.from})`, { from: opts.from, to: opts.to });
  const source = await openStore(opts.from);
  try {
    const target = await openStore(opts.to);
    try {
      return await copyStore(source, target, opts);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** The copy itself, between two open stores (the target must hold no runs). */
export async function copyStore(source: Store, target: Store, opts: Pick<MigrateOptions, 'force' | 'progress'> = {}): Promise<MigrationCounts> {
  const counts: MigrationCounts = { definitions: 0, runs: 0, events: 0, steps: 0, logs: 0, notes: 0, keys: 0, webhooks: 0, deliveries: 0, cursors: 0, secrets: 0, audit: 0 };
  const report = (part: keyof MigrationCounts): void => opts.progress?.(part, { ...counts });

  const held = Object.values(await target.countRuns()).reduce((a, b) => a + (b ?? 0), 0);
  if (held > 0) {
    throw new CairnError('NOT_ALLOWED', `the target ${target.location} already holds ${held} run(s); migrate-store copies only into an empty store`, { target: target.location, runs: held });
  }
  const runs = await source.listRuns({});
  await refuseLiveOwners(source, runs, opts.force === true);

  for (const def of await source.listDefinitions()) {
    await target.putDefinition(def);
    counts.definitions++;
  }
  report('definitions');

  const feedMap = await copyEvents(source, target, runs, counts);
  report('events');

  for (const run of runs) {
    const steps = await source.getSteps(run.id);
    // Steps after every event is in: a commit with no events adds them in source order.
    await target.commit([{ runId: run.id, events: [], run, steps }]);
    counts.steps += steps.length;
    counts.logs += await copyLogs(source, target, run.id);
  }
  report('runs');
  report('logs');

  counts.notes = await copyNotes(source, target);
  report('notes');

  for (const key of await source.listKeys()) {
    await target.putKey(key);
    counts.keys++;
  }
  report('keys');

  await copyWebhooks(source, target, feedMap, counts);
  report('webhooks');

  for (const listed of await source.listSecrets()) {
    const secret = await source.getSecret(listed.name);
    if (secret) await target.putSecret(secret);
    counts.secrets++;
  }
  report('secrets');
  // Oldest first, so the target's ids keep the order.
  for (const entry of (await source.listAudit({ limit: Number.MAX_SAFE_INTEGER })).reverse()) {
    const { id: _id, ...rest } = entry;
    await target.addAudit(rest);
    counts.audit++;
  }
  report('audit');
  return counts;
}

async function refuseLiveOwners(source: Store, runs: Run[], force: boolean): Promise<void> {
  if (force) return;
  const now = Date.now();
  const live: string[] = [];
  for (const run of runs) {
    if (TERMINAL_RUN_STATUSES.includes(run.status)) continue;
    const lease = await source.getLease(run.id);
    if (lease !== undefined && lease.expiresAt > now) live.push(run.id);
  }
  if (live.length > 0) {
    throw new CairnError(
      'NOT_ALLOWED',
      `${live.length} run(s) of ${source.location} are owned by a live process (${live.slice(0, 5).join(', ')}${live.length > 5 ? ', ...' : ''}); ` +
        'stop `cairn serve` and other Cairn processes first, or pass --force',
      { runs: live },
    );
  }
}

/**
 * Writes every event in the source's feed order, grouping consecutive events of one run.
 * Returns source cursor -> target cursor, to translate cursors that name feed places.
 */
async function copyEvents(source: Store, target: Store, runs: Run[], counts: MigrationCounts): Promise<Map<number, number>> {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const created = new Set<string>();
  const sourceCursors: number[] = [];
  const write = async (runId: string, events: RunEvent[]): Promise<void> => {
    const run = byId.get(runId);
    if (run === undefined) throw new Error(`the feed of the source names run ${runId}, which it does not hold`);
    if (created.has(runId)) {
      const result = await target.commit([{ runId, events, steps: [] }]);
      if (result.refused.length > 0) throw new Error(`the target refused events of run ${runId}`);
    } else {
      // Unowned: whoever resumes on the target claims it. The start key keeps a cron fire or
      // a webhook message from starting a second run after the move.
      const startKey = await source.getStartKey(runId);
      await target.createRun(run, events, undefined, startKey === undefined ? {} : { startKey });
      created.add(runId);
      counts.runs++;
    }
    counts.events += events.length;
  };

  let after = 0;
  for (;;) {
    const page = await source.readFeed({ after, limit: PAGE });
    if (page.length === 0) break;
    let group: RunEvent[] = [];
    for (const entry of page) {
      sourceCursors.push(entry.cursor);
      if (group.length > 0 && group[0]?.runId !== entry.event.runId) {
        await write(group[0]!.runId, group);
        group = [];
      }
      group.push(entry.event);
    }
    if (group.length > 0) await write(group[0]!.runId, group);
    after = page[page.length - 1]!.cursor;
  }
  // A run with no event in the feed (should not happen) still arrives whole.
  for (const run of runs) if (!created.has(run.id)) await write(run.id, await source.readEvents(run.id));

  const map = new Map<number, number>();
  let i = 0;
  after = 0;
  for (;;) {
    const page = await target.readFeed({ after, limit: PAGE });
    if (page.length === 0) break;
    for (const entry of page) {
      const from = sourceCursors[i++];
      if (from !== undefined) map.set(from, entry.cursor);
    }
    after = page[page.length - 1]!.cursor;
  }
  return map;
}

async function copyLogs(source: Store, target: Store, runId: string): Promise<number> {
  let copied = 0;
  let afterId = 0;
  for (;;) {
    const lines = await source.readLogs(runId, { afterId, limit: PAGE });
    if (lines.length === 0) return copied;
    await target.appendLogs(lines.map(({ id: _id, ...line }) => line));
    copied += lines.length;
    afterId = lines[lines.length - 1]!.id ?? afterId;
    if (lines.length < PAGE) return copied;
  }
}

/** Notes, oldest first so the target's ids keep their order. */
async function copyNotes(source: Store, target: Store): Promise<number> {
  let copied = 0;
  let afterId = 0;
  for (;;) {
    const notes = await source.listNotes({ afterId, limit: PAGE });
    if (notes.length === 0) return copied;
    for (const { id: _id, ...note } of notes) await target.addNote(note);
    copied += notes.length;
    afterId = notes[notes.length - 1]!.id;
  }
}

async function copyWebhooks(source: Store, target: Store, feedMap: Map<number, number>, counts: MigrationCounts): Promise<void> {
  const deliveries: Delivery[] = [];
  for (const hook of await source.listWebhooks()) {
    await target.putWebhook(hook);
    counts.webhooks++;
    deliveries.push(...(await source.listDeliveries(hook.id, { limit: Number.MAX_SAFE_INTEGER })));
  }
  const cursors = await source.listCursors();
  // Other cursors (a cron trigger's last fire) hold times, not feed places: as they are.
  for (const c of cursors) {
    if (c.name === WEBHOOK_CURSOR) continue;
    await target.setCursor(c.name, c.value);
    counts.cursors++;
  }
  const cursor = cursors.find((c) => c.name === WEBHOOK_CURSOR)?.value;
  if (cursor === undefined && deliveries.length === 0) return;
  deliveries.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  // One write queues the deliveries and places the outbox's cursor where the source's was,
  // in the target's numbering: the dispatcher neither re-sends nor skips an event.
  // (No cursor would mean no dispatcher ever ran: the target's head, so none starts from 0.)
  const at = cursor === undefined ? await target.feedHead() : translate(cursor, feedMap);
  await target.enqueueDeliveries(WEBHOOK_CURSOR, at, deliveries.map(({ id, webhookId, eventType, payload, createdAt }) => ({ id, webhookId, eventType, payload, createdAt })));
  if (cursor !== undefined) counts.cursors++;
  for (const d of deliveries) {
    // Replays the attempts, so the target keeps the history, the count and the state.
    // A delivery stopped before any attempt (its webhook went) can only be settled with one:
    // it gets a note saying so, rather than arriving pending and being sent.
    const history =
      d.history.length === 0 && d.status !== 'pending' ? [{ at: d.finishedAt ?? d.createdAt, error: d.lastError ?? `${d.status} before any attempt`, ms: 0 }] : d.history;
    for (let i = 0; i < history.length; i++) {
      const last = i === history.length - 1;
      await target.settleDelivery(d.id, { status: last ? d.status : 'pending', nextAt: d.nextAt, attempt: history[i]! });
    }
    counts.deliveries++;
  }
}

/** The target cursor of the last source entry at or before `cursor` (0: the start). */
function translate(cursor: number, feedMap: Map<number, number>): number {
  let best = 0;
  let bestFrom = -1;
  for (const [from, to] of feedMap) {
    if (from <= cursor && from > bestFrom) {
      best = to;
      bestFrom = from;
    }
  }
  return best;
}

function sameLocation(a: string, b: string): boolean {
  if (isPostgresUrl(a) || isPostgresUrl(b)) return a === b;
  return resolve(a) === resolve(b);
}
