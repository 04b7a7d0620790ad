import { storedKey } from './session';
import type {
  ApiErrorBody,
  LogLine,
  OpenTask,
  PrefillParameter,
  Run,
  RunDetail,
  RunEvent,
  WhoAmI,
  WorkflowDetail,
  WorkflowSummary,
} from './types';

export const API = '/api/v1';

/** An error answer of the API: `{"error": {code, message, details}}` (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * Calls the REST API with the session's key. Every page goes through here (or through
 * the functions below), so the key is sent one way, and errors read one way.
 */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown; key?: string; query?: Record<string, string | number | undefined> } = {}): Promise<T> {
  const key = init.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let url = `${API}${path}`;
  if (init.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(init.query)) if (v !== undefined && v !== '') q.set(k, String(v));
    const text = q.toString();
    if (text) url += `?${text}`;
  }
  const response = await fetch(url, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: ApiErrorBody } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? (text.slice(0, 200) || response.statusText), error?.details);
  }
  return parsed as T;
}

const enc = encodeURIComponent;

// Identity
export const whoami = (key?: string) => apiFetch<WhoAmI>('/whoami', key ? { key } : {});

// Workflows
export const listWorkflows = (category?: string) => apiFetch<{ templates: WorkflowSummary[] }>('/workflows/templates', { query: { category } });
export const getWorkflow = (id: string, revision?: number) => apiFetch<{ template: WorkflowDetail }>(`/workflows/templates/${enc(id)}`, { query: { revision } });
export const prefill = (id: string) => apiFetch<{ workflow?: string; parameters: PrefillParameter[] } & Record<string, unknown>>(`/workflows/templates/${enc(id)}/prefill`);
export const saveWorkflow = (definition: string, format?: 'yaml' | 'json') =>
  apiFetch<{ template: WorkflowSummary; created: boolean }>('/workflows/templates', { body: { definition, ...(format ? { format } : {}) } });
export interface ValidationAnswer {
  valid: boolean;
  level: string;
  diagnostics: Array<{ severity: string; code: string; message: string; path?: string; line?: number; column?: number; [k: string]: unknown }>;
  plan?: unknown;
}
export const validateWorkflow = (definition: string, format?: 'yaml' | 'json') =>
  apiFetch<ValidationAnswer>('/workflows/validate', { body: { definition, ...(format ? { format } : {}) } });
export const suggest = (body: { context?: string; intent?: string; recent_commands?: string[]; limit?: number }) =>
  apiFetch<{ suggestions: Array<Record<string, unknown>> }>('/workflows/suggest', { body });
export const analytics = (query: { sample?: number; workflow?: string; since?: string } = {}) =>
  apiFetch<Record<string, unknown>>('/workflows/analytics', { query });

// Runs
export const startRun = (workflowId: string, parameters: Record<string, unknown>) =>
  apiFetch<{ execution_id: string; duplicate: boolean; run: Run }>('/workflows/execute', { body: { workflow_id: workflowId, parameters } });
export const listRuns = (query: { status?: string; workflow_id?: string; limit?: number; before?: number } = {}) =>
  apiFetch<{ executions: Run[]; next_before?: number }>('/workflows/executions', { query });
export const getRun = (id: string) => apiFetch<RunDetail>(`/workflows/executions/${enc(id)}`);
export const runEvents = (id: string, after = 0) => apiFetch<{ events: RunEvent[] }>(`/workflows/executions/${enc(id)}/events`, { query: { after } });
export const runLogs = (id: string, query: { step?: string; after?: number; limit?: number } = {}) =>
  apiFetch<{ lines: LogLine[] }>(`/workflows/executions/${enc(id)}/logs`, { query });
export const cancelRun = (id: string, reason?: string) => apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/cancel`, { body: reason ? { reason } : {} });
export const pauseRun = (id: string) => apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/pause`, { body: {} });
export const unpauseRun = (id: string) => apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/unpause`, { body: {} });
export const retryRun = (id: string, step?: string) => apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/retry`, { body: step ? { step } : {} });
export type RollbackStrategy = 'immediate' | 'graceful' | 'checkpoint' | 'manual';
export const rollbackRun = (id: string, body: { strategy?: RollbackStrategy; to?: string; reason?: string }) =>
  apiFetch<Record<string, unknown>>(`/workflows/executions/${enc(id)}/rollback`, { body });
export const rollbackPoints = (id: string) => apiFetch<{ points: Array<Record<string, unknown>> }>(`/workflows/executions/${enc(id)}/rollback-points`);

// People
export const listTasks = (run?: string) => apiFetch<{ tasks: OpenTask[] }>('/tasks', { query: { run } });
export const approveStep = (id: string, step: string, approve: boolean, comment?: string) =>
  apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/steps/${enc(step)}/approve`, { body: { approve, ...(comment ? { comment } : {}) } });
export const completeStep = (id: string, step: string, output: Record<string, unknown>) =>
  apiFetch<{ run: Run }>(`/workflows/executions/${enc(id)}/steps/${enc(step)}/complete`, { body: { output } });

// Admin
export const listKeys = () => apiFetch<{ keys: Array<Record<string, unknown>> }>('/keys');
export const createKey = (role: string, name?: string) => apiFetch<{ key: string; id: string; name: string; role: string }>('/keys', { body: { role, ...(name ? { name } : {}) } });
export const revokeKey = (id: string) => apiFetch<{ key: Record<string, unknown> }>(`/keys/${enc(id)}`, { method: 'DELETE' });
export const listWebhooks = () => apiFetch<{ webhooks: Array<Record<string, unknown>> }>('/webhooks');
export const webhookDeliveries = (id: string) => apiFetch<{ deliveries: Array<Record<string, unknown>> }>(`/webhooks/${enc(id)}/deliveries`);
export const listLocks = () => apiFetch<Record<string, unknown>>('/locks');
