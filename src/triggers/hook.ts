import { SECRET_REFERENCE } from '../definition/check-triggers.js';
import type { Trigger, WebhookTrigger } from '../engine/types.js';
import { renderTemplates } from '../expressions/render.js';
import { isWebhookSecret, verifyWebhook } from '../webhooks/signature.js';
import { TriggerError } from './errors.js';

export type Headers = Readonly<Record<string, string | string[] | undefined>>;
export type Environment = Readonly<Record<string, string | undefined>>;

export interface HookRequest {
  workflowId: string;
  /** The triggers of the workflow's newest definition. */
  triggers: readonly Trigger[];
  headers: Headers;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: string;
  /** Where `${env:NAME}` secrets are read. */
  env: Environment;
  /** Now, for the replay window (default: the clock). */
  nowSeconds?: number;
}

export interface AcceptedHook {
  parameters: Record<string, unknown>;
  /** `hook:<workflow>:<webhook-id>`: the same message delivered again starts nothing new. */
  startKey: string;
  /** Which trigger of the list took the message. */
  triggerIndex: number;
  messageId: string;
}

/** Messages older or newer than this (seconds) are refused: a captured one cannot be replayed later. */
export const HOOK_TOLERANCE_SECONDS = 300;
const MAX_MESSAGE_ID = 256;

/**
 * Check an incoming webhook message against the workflow's webhook triggers and turn it
 * into the parameters of a run. The signature is checked first (Standard Webhooks, within
 * 5 minutes of now), against each webhook trigger's secret in turn; only a signed message
 * has its body parsed (JSON) and its templates rendered over `{ body, headers }`.
 * Throws TriggerError: TRIGGER_NOT_FOUND, SIGNATURE_INVALID, CONFIG_INVALID (a secret that
 * is not set), USAGE (a body that is not JSON), PARAMETER_INVALID (a template that fails).
 */
export async function acceptHook(req: HookRequest): Promise<AcceptedHook> {
  const hooks = req.triggers.flatMap((trigger, index) => (trigger.kind === 'webhook' ? [{ trigger, index }] : []));
  if (hooks.length === 0) throw new TriggerError('TRIGGER_NOT_FOUND', `workflow '${req.workflowId}' has no webhook trigger`, { workflow: req.workflowId });
  const headers = lowerCased(req.headers);
  const refusals: string[] = [];
  const unusable: string[] = [];
  let accepted: { index: number; trigger: WebhookTrigger; id: string } | undefined;
  for (const { trigger, index } of hooks) {
    const secret = resolveSecret(trigger.secret, req.env);
    if (!secret.ok) {
      unusable.push(secret.reason);
      continue;
    }
    const verdict = verifyWebhook(secret.value, headers, req.rawBody, { toleranceSeconds: HOOK_TOLERANCE_SECONDS, ...(req.nowSeconds !== undefined ? { nowSeconds: req.nowSeconds } : {}) });
    if (verdict.ok) {
      accepted = { index, trigger, id: verdict.id };
      break;
    }
    refusals.push(verdict.reason);
  }
  if (!accepted) {
    if (refusals.length === 0) throw new TriggerError('CONFIG_INVALID', `the webhook trigger of workflow '${req.workflowId}' cannot check signatures: ${unusable.join('; ')}`, { workflow: req.workflowId });
    throw new TriggerError('SIGNATURE_INVALID', `webhook message refused: ${refusals[0] ?? 'bad signature'}`, { workflow: req.workflowId });
  }
  if (accepted.id.length > MAX_MESSAGE_ID) throw new TriggerError('USAGE', `webhook-id is ${accepted.id.length} characters; at most ${MAX_MESSAGE_ID}`);
  const body = parseBody(req.rawBody);
  const parameters = await render(accepted.trigger.parameters, { body, headers: flat(headers) }, req.workflowId);
  return { parameters, startKey: hookStartKey(req.workflowId, accepted.id), triggerIndex: accepted.index, messageId: accepted.id };
}

export function hookStartKey(workflowId: string, messageId: string): string {
  return `hook:${workflowId}:${messageId}`;
}

type Resolved = { ok: true; value: string } | { ok: false; reason: string };

/** The secret from `${env:NAME}`; the reasons never print a secret. */
export function resolveSecret(written: string, env: Environment): Resolved {
  const name = SECRET_REFERENCE.exec(written.trim())?.[1];
  if (name === undefined) return { ok: false, reason: 'its secret is not an ${env:NAME} reference' };
  const value = env[name];
  if (value === undefined || value === '') return { ok: false, reason: `the environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}` };
  if (!isWebhookSecret(value.trim())) return { ok: false, reason: `the environment variable ${name} does not hold a Standard Webhooks secret (whsec_ and the base64 of at least 16 bytes)` };
  return { ok: true, value: value.trim() };
}

function parseBody(raw: string): unknown {
  if (raw.trim() === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new TriggerError('USAGE', `the webhook body is not JSON: ${(err as Error).message}`);
  }
}

async function render(mapping: Record<string, unknown>, context: { body: unknown; headers: Record<string, string> }, workflowId: string): Promise<Record<string, unknown>> {
  try {
    const rendered = (await renderTemplates(mapping, context)) as Record<string, unknown>;
    return { ...rendered };
  } catch (err) {
    throw new TriggerError('PARAMETER_INVALID', `the webhook trigger of workflow '${workflowId}' could not map the body to parameters: ${(err as Error).message}`, { workflow: workflowId });
  }
}

function lowerCased(headers: Headers): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = Object.create(null) as Record<string, string | string[] | undefined>;
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Headers as templates see them: one string each (repeated headers joined as HTTP does). */
function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    Object.defineProperty(out, name, { value: Array.isArray(value) ? value.join(', ') : value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
