import type { Database, Statement } from 'better-sqlite3';
import type { RunStatus } from '../../engine/types.js';
import type { AccessKey, Delivery, DeliveryAttempt, DeliveryUpdate, FeedEntry, NewDelivery, Role, Webhook } from '../records.js';
import { toEvent, type EventRow, type NoteRow } from './rows.js';

/*
 * Statements and row mapping for what `cairn serve` keeps (migration 005): the feed,
 * cursors, access keys, webhooks and their delivery outbox. Called inside the store's
 * guard (and transactions where noted), like the other statement groups.
 */

type Bind = unknown[];

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  hash: string;
  created_at: number;
  created_by: string | null;
  revoked_at: number | null;
}

interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  description: string | null;
  created_at: number;
  created_by: string | null;
  disabled_at: number | null;
  disabled_reason: string | null;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: string;
  status: Delivery['status'];
  attempts: number;
  next_at: number;
  created_at: number;
  finished_at: number | null;
  last_status: number | null;
  last_error: string | null;
  history: string;
}

export function prepareServerStatements(db: Database) {
  const p = <R = unknown>(sql: string): Statement<Bind, R> => db.prepare<Bind, R>(sql);
  const FEED = 'SELECT f.id AS cursor, e.run_id, e.seq, e.type, e.at, e.data FROM feed f JOIN events e ON e.run_id = f.run_id AND e.seq = f.seq';
  return {
    readFeed: p<EventRow & { cursor: number }>(`${FEED} WHERE f.id > ? ORDER BY f.id LIMIT ?`),
    readRunFeed: p<EventRow & { cursor: number }>(`${FEED} WHERE f.run_id = ? AND f.id > ? ORDER BY f.id LIMIT ?`),
    feedHead: p<number | null>('SELECT max(id) FROM feed').pluck(),

    runIdByStartKey: p<string>('SELECT id FROM runs WHERE start_key = ?').pluck(),
    startKeyOf: p<string | null>('SELECT start_key FROM runs WHERE id = ?').pluck(),
    listCursors: p<{ name: string; value: number }>('SELECT name, value FROM cursors ORDER BY name'),
    listNotes: p<NoteRow>('SELECT * FROM notes WHERE id > ? ORDER BY id LIMIT ?'),
    countRuns: p<{ status: RunStatus; n: number }>('SELECT status, count(*) AS n FROM runs GROUP BY status'),

    getCursor: p<number>('SELECT value FROM cursors WHERE name = ?').pluck(),
    setCursor: p('INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),

    putKey: p('INSERT INTO access_keys (id, name, role, hash, created_at, created_by, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    getKey: p<KeyRow>('SELECT * FROM access_keys WHERE id = ?'),
    listKeys: p<KeyRow>('SELECT * FROM access_keys ORDER BY created_at, id'),
    liveKey: p<KeyRow>('SELECT * FROM access_keys WHERE (id = @key OR name = @key) AND revoked_at IS NULL ORDER BY id = @key DESC LIMIT 1'),
    revokeKey: p('UPDATE access_keys SET revoked_at = ? WHERE id = ?'),

    putWebhook: p(
      'INSERT INTO webhooks (id, url, events, secret, description, created_at, created_by, disabled_at, disabled_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    getWebhook: p<WebhookRow>('SELECT * FROM webhooks WHERE id = ?'),
    listWebhooks: p<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id'),
    deleteWebhook: p('DELETE FROM webhooks WHERE id = ?'),
    disableWebhook: p('UPDATE webhooks SET disabled_at = ?, disabled_reason = ? WHERE id = ?'),

    insertDelivery: p(
      "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, status, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING",
    ),
    claimDeliveries: p<DeliveryRow>(
      "UPDATE webhook_deliveries SET next_at = @until WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_at <= @now ORDER BY next_at, id LIMIT @limit) RETURNING *",
    ),
    settleDelivery: p(
      'UPDATE webhook_deliveries SET status = @status, next_at = @nextAt, attempts = attempts + 1, last_status = @lastStatus, last_error = @lastError, ' +
        "finished_at = CASE WHEN @status = 'pending' THEN NULL ELSE @at END, history = json_insert(history, '$[#]', json(@attempt)) WHERE id = @id",
    ),
    listDeliveries: p<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE webhook_id = @webhookId AND (@status IS NULL OR status = @status) ORDER BY created_at DESC, id DESC LIMIT @limit'),
    nextDeliveryAt: p<number | null>("SELECT min(next_at) FROM webhook_deliveries WHERE status = 'pending'").pluck(),
  };
}

export type ServerStatements = ReturnType<typeof prepareServerStatements>;

export function toFeedEntry(row: EventRow & { cursor: number }): FeedEntry {
  return { cursor: row.cursor, event: toEvent(row) };
}

export function keyParams(k: AccessKey): Bind {
  return [k.id, k.name, k.role, k.hash, k.createdAt, k.createdBy ?? null, k.revokedAt ?? null];
}

export function toKey(r: KeyRow): AccessKey {
  const key: AccessKey = { id: r.id, name: r.name, role: r.role, hash: r.hash, createdAt: r.created_at };
  if (r.created_by !== null) key.createdBy = r.created_by;
  if (r.revoked_at !== null) key.revokedAt = r.revoked_at;
  return key;
}

export function webhookParams(w: Webhook): Bind {
  return [w.id, w.url, JSON.stringify(w.events), w.secret, w.description ?? null, w.createdAt, w.createdBy ?? null, w.disabledAt ?? null, w.disabledReason ?? null];
}

export function toWebhook(r: WebhookRow): Webhook {
  const w: Webhook = { id: r.id, url: r.url, events: JSON.parse(r.events) as string[], secret: r.secret, createdAt: r.created_at };
  if (r.description !== null) w.description = r.description;
  if (r.created_by !== null) w.createdBy = r.created_by;
  if (r.disabled_at !== null) w.disabledAt = r.disabled_at;
  if (r.disabled_reason !== null) w.disabledReason = r.disabled_reason;
  return w;
}

export function deliveryParams(d: NewDelivery): Bind {
  return [d.id, d.webhookId, d.eventType, d.payload, d.createdAt, d.createdAt];
}

export function settleParams(id: string, u: DeliveryUpdate): Record<string, unknown> {
  return {
    id,
    status: u.status,
    nextAt: u.nextAt,
    at: u.attempt.at,
    lastStatus: u.attempt.status ?? null,
    lastError: u.attempt.error ?? null,
    attempt: JSON.stringify(u.attempt),
  };
}

export function toDelivery(r: DeliveryRow): Delivery {
  const d: Delivery = {
    id: r.id,
    webhookId: r.webhook_id,
    eventType: r.event_type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAt: r.next_at,
    createdAt: r.created_at,
    history: JSON.parse(r.history) as DeliveryAttempt[],
  };
  if (r.finished_at !== null) d.finishedAt = r.finished_at;
  if (r.last_status !== null) d.lastStatus = r.last_status;
  if (r.last_error !== null) d.lastError = r.last_error;
  return d;
}
