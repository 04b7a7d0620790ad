import type { FastifyRequest } from 'fastify';
import { auditAction, type Cairn } from '../app/index.js';
import type { AnyRoute } from './route.js';

/**
 * Record an API call that changed something (docs/audit.md): the key's name as the actor,
 * `api <address>` as where from, what it acted on from the path or the answer.
 */
export async function recordApiCall(cairn: Cairn, spec: AnyRoute, call: { actor: string; request: FastifyRequest; params: unknown; body: unknown; result: unknown; status: number }): Promise<void> {
  if (call.status >= 400) return;
  const action = auditAction(spec.operationId, call.body);
  if (action === undefined) return;
  const params = record(call.params);
  const result = record(call.result);
  const run = record(result['run']);
  const target = text(params['id']) ?? text(params['name']) ?? text(params['workflow']) ?? text(result['id']) ?? text(run['id']) ?? text(result['name']);
  const details: Record<string, unknown> = {};
  if (text(params['step'])) details['step'] = params['step'];
  if (text(params['workflow'])) details['workflow'] = params['workflow'];
  const actor = spec.access === 'public' && call.actor === 'anonymous' ? `hook:${text(params['workflow']) ?? 'unknown'}` : call.actor;
  await cairn.audit.record({ name: actor, origin: `api ${call.request.ip}` }, action, target, Object.keys(details).length > 0 ? details : undefined);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
