import type pg from 'pg';
import type { AccessKey, Delivery, DeliveryUpdate, FeedEntry, NewDelivery } from '../records.js';
import { deliveryParams, settleParams, toDelivery, toFeedEntry, toKey } from '../sqlite/server-tables.js';
import type { EventRow } from '../sqlite/rows.js';

/*
 * What `cairn serve` keeps: the feed (feed_id on events), cursors, keys, and the webhook
 * outbox. The row shapes are the SQLite store's, so its converters serve both.
 */

type Row = Parameters<typeof toDelivery>[0];
type KeyRow = Parameters<typeof toKey>[0];

const FEED = 'SELECT feed_id AS cursor, run_id, seq, type, at, data FROM events';

export async function readFeed(c: pg.Pool, opts: { after: number; limit: number; runId?: string }): Promise<FeedEntry[]> {
  const { rows } =
    opts.runId === undefined
      ? await c.query<EventRow & { cursor: number }>(`${FEED} WHERE feed_id > $1 ORDER BY feed_id LIMIT $2`, [opts.after, opts.limit])
      : await c.query<EventRow & { cursor: number }>(`${FEED} WHERE run_id = $3 AND feed_id > $1 ORDER BY feed_id LIMIT $2`, [opts.after, opts.limit, opts.runId]);
  return rows.map(toFeedEntry);
}

export async function revokeKey(c: pg.PoolClient, idOrName: string, at: number): Promise<AccessKey | undefined> {
  const row = (
    await c.query<KeyRow>(
      'SELECT * FROM access_keys WHERE (id = $1 OR name = $1) AND revoked_at IS NULL ORDER BY (id = $1) DESC LIMIT 1 FOR UPDATE',
      [idOrName],
    )
  ).rows[0];
  if (row === undefined) return undefined;
  await c.query('UPDATE access_keys SET revoked_at = $1 WHERE id = $2', [at, row.id]);
  return { ...toKey(row), revokedAt: at };
}

/** Queues the deliveries and moves the cursor, unless the cursor is already there (another reader did it). */
export async function enqueueDeliveries(c: pg.PoolClient, cursorName: string, cursor: number, deliveries: NewDelivery[]): Promise<boolean> {
  // Make sure the row exists, then lock it: two readers of one cursor take turns here.
  const created = await c.query('INSERT INTO cursors (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [cursorName]);
  const current = (await c.query<{ value: number }>('SELECT value FROM cursors WHERE name = $1 FOR UPDATE', [cursorName])).rows[0]?.value ?? 0;
  if (current >= cursor) {
    // Leave no trace: a cursor that was not there stays absent.
    if (created.rowCount === 1) await c.query('DELETE FROM cursors WHERE name = $1', [cursorName]);
    return false;
  }
  for (const d of deliveries) {
    await c.query(
      "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, status, next_at, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6) ON CONFLICT (id) DO NOTHING",
      deliveryParams(d),
    );
  }
  await c.query('UPDATE cursors SET value = $2 WHERE name = $1', [cursorName, cursor]);
  return true;
}

/** Takes due deliveries across processes: rows another claimer holds are skipped, never taken twice. */
export async function claimDeliveries(c: pg.Pool, now: number, leaseMs: number, limit: number): Promise<Delivery[]> {
  const { rows } = await c.query<Row>(
    'UPDATE webhook_deliveries SET next_at = $2 WHERE id IN (' +
      "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *",
    [now, now + leaseMs, limit],
  );
  // RETURNING has no order.
  return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

export async function settleDelivery(c: pg.Pool, id: string, update: DeliveryUpdate): Promise<void> {
  const p = settleParams(id, update);
  await c.query(
    'UPDATE webhook_deliveries SET status = $2, next_at = $3, attempts = attempts + 1, last_status = $4, last_error = $5, ' +
      "finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $6::bigint END, history = (history::jsonb || jsonb_build_array($7::jsonb))::text WHERE id = $1",
    [p['id'], p['status'], p['nextAt'], p['lastStatus'], p['lastError'], p['at'], p['attempt']],
  );
}
