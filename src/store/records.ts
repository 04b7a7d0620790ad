import type { RunEvent } from '../engine/types.js';

/*
 * What the server keeps beside runs: access keys, webhook subscriptions with their durable
 * outbox, named cursors, and the feed (every event in commit order across runs).
 */

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** An API key as stored: only a hash of its secret, never the secret. */
export interface AccessKey {
  id: string;
  name: string;
  role: Role;
  /** SHA-256 of the secret, hex. */
  hash: string;
  createdAt: number;
  createdBy?: string;
  revokedAt?: number;
}

/** One event with its place in the feed: the cursor a client resumes after. */
export interface FeedEntry {
  cursor: number;
  event: RunEvent;
}

export interface Webhook {
  id: string;
  url: string;
  /** Event types it receives (`workflow.failed`, ...), or `*` for all. */
  events: string[];
  /** The signing secret, `whsec_` + base64 (Standard Webhooks). */
  secret: string;
  description?: string;
  createdAt: number;
  createdBy?: string;
  /** Set when the receiver answered 410 Gone: nothing more is sent. */
  disabledAt?: number;
  disabledReason?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'stopped';

export interface DeliveryAttempt {
  at: number;
  /** The HTTP status, when there was an answer. */
  status?: number;
  error?: string;
  ms: number;
}

/** One message to one webhook; its id is the `webhook-id` header, the same on every attempt. */
export interface Delivery {
  id: string;
  webhookId: string;
  eventType: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending), or when the claim on it lapses. */
  nextAt: number;
  createdAt: number;
  finishedAt?: number;
  lastStatus?: number;
  lastError?: string;
  history: DeliveryAttempt[];
}

export type NewDelivery = Pick<Delivery, 'id' | 'webhookId' | 'eventType' | 'payload' | 'createdAt'>;

/** The outcome of one attempt, written with the delivery's next state. */
export interface DeliveryUpdate {
  status: DeliveryStatus;
  nextAt: number;
  attempt: DeliveryAttempt;
}
