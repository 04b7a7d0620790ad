import { apiFetch } from '../api';
import type { WebhookView } from './types';

const enc = encodeURIComponent;

export const createWebhook = (body: { url: string; events: string[]; description?: string }) =>
  apiFetch<{ webhook: WebhookView & { secret: string } }>('/webhooks', { body });
export const deleteWebhook = (id: string) => apiFetch<{ deleted: string }>(`/webhooks/${enc(id)}`, { method: 'DELETE' });

export interface PoolView {
  name: string;
  slots: number;
  description?: string;
}
export const listPools = () => apiFetch<{ pools: PoolView[] }>('/pools');
