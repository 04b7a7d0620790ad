import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Trigger } from '../../src/engine/types.js';
import { TriggerError } from '../../src/triggers/errors.js';
import { acceptHook, type HookRequest } from '../../src/triggers/hook.js';
import { newWebhookSecret } from '../../src/webhooks/signature.js';

const secret = newWebhookSecret();
const other = newWebhookSecret();
const env = { DEPLOY_HOOK_SECRET: secret, OTHER_SECRET: other };
const deploy: Trigger = {
  kind: 'webhook',
  secret: '${env:DEPLOY_HOOK_SECRET}',
  parameters: { service: '${{ body.repository.name }}', ref: 'refs/${{ body.ref }}', mode: 'deploy', agent: '${{ headers.`user-agent` }}' },
};
const nightly: Trigger = { kind: 'cron', cron: '0 3 * * *', parameters: {} };

/** Headers as a sender using the standardwebhooks package (not our signer) makes them. */
function signed(body: string, opts: { id?: string; key?: string; at?: Date } = {}): Record<string, string> {
  const id = opts.id ?? 'msg_2b0Qk3';
  const at = opts.at ?? new Date();
  return {
    'Webhook-Id': id,
    'Webhook-Timestamp': String(Math.floor(at.getTime() / 1000)),
    'Webhook-Signature': new StandardWebhook(opts.key ?? secret).sign(id, at, body),
    'User-Agent': 'deploy-bot/1.0',
  };
}

function request(over: Partial<HookRequest> & { rawBody: string }): HookRequest {
  return { workflowId: 'deploy', triggers: [nightly, deploy], headers: signed(over.rawBody), env, ...over };
}

async function refusal(req: HookRequest): Promise<TriggerError> {
  try {
    await acceptHook(req);
  } catch (err) {
    if (err instanceof TriggerError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('acceptHook', () => {
  it('turns a signed message into parameters and a start key made of the message id', async () => {
    const rawBody = JSON.stringify({ repository: { name: 'api' }, ref: 'heads/main' });
    expect(await acceptHook(request({ rawBody }))).toEqual({
      parameters: { service: 'api', ref: 'refs/heads/main', mode: 'deploy', agent: 'deploy-bot/1.0' },
      startKey: 'hook:deploy:msg_2b0Qk3',
      triggerIndex: 1,
      messageId: 'msg_2b0Qk3',
    });
  });

  it('keeps the type of a whole template and leaves out what the body lacks', async () => {
    const trigger: Trigger = { kind: 'webhook', secret: '${env:DEPLOY_HOOK_SECRET}', parameters: { count: '${{ body.count }}', tags: '${{ body.tags }}', missing: '${{ body.nope }}' } };
    const rawBody = JSON.stringify({ count: 3, tags: ['a', 'b'] });
    expect((await acceptHook(request({ rawBody, triggers: [trigger] }))).parameters).toEqual({ count: 3, tags: ['a', 'b'] });
  });

  it('refuses a bad signature, a missing one, another secret, and a changed body', async () => {
    const rawBody = '{"ref":"main"}';
    const cases: Array<[string, Record<string, string>, string?]> = [
      ['wrong key', signed(rawBody, { key: other })],
      ['no headers', {}],
      ['changed body', signed(rawBody), '{"ref":"evil"}'],
      ['garbage signature', { ...signed(rawBody), 'Webhook-Signature': 'v1,AAAA' }],
    ];
    for (const [what, headers, body] of cases) {
      const err = await refusal(request({ rawBody: body ?? rawBody, headers }));
      expect(err.code, what).toBe('SIGNATURE_INVALID');
    }
    expect((await refusal(request({ rawBody, headers: {} }))).message).toBe('webhook message refused: missing webhook-id, webhook-timestamp or webhook-signature header');
  });

  it('refuses a replay outside the 5-minute window, and accepts inside it', async () => {
    const rawBody = '{}';
    const old = new Date(Date.now() - 6 * 60_000);
    const err = await refusal(request({ rawBody, headers: signed(rawBody, { at: old }) }));
    expect(err.code).toBe('SIGNATURE_INVALID');
    expect(err.message).toContain('more than 300 s from now');
    const recent = new Date(Date.now() - 4 * 60_000);
    await expect(acceptHook(request({ rawBody, headers: signed(rawBody, { at: recent }) }))).resolves.toMatchObject({ startKey: 'hook:deploy:msg_2b0Qk3' });
  });

  it('tries each webhook trigger: the one whose secret signed the message maps it', async () => {
    const second: Trigger = { kind: 'webhook', secret: '${env:OTHER_SECRET}', parameters: { mode: 'other' } };
    const rawBody = '{}';
    const accepted = await acceptHook(request({ rawBody, triggers: [deploy, second], headers: signed(rawBody, { key: other }) }));
    expect(accepted).toMatchObject({ triggerIndex: 1, parameters: { mode: 'other' } });
  });

  it('a workflow without a webhook trigger: TRIGGER_NOT_FOUND', async () => {
    expect((await refusal(request({ rawBody: '{}', triggers: [nightly] }))).code).toBe('TRIGGER_NOT_FOUND');
  });

  it('a secret that is not set, or not a Standard Webhooks secret: CONFIG_INVALID, without the secret', async () => {
    const rawBody = '{}';
    const unset = await refusal(request({ rawBody, env: {} }));
    expect(unset.code).toBe('CONFIG_INVALID');
    expect(unset.message).toContain('the environment variable DEPLOY_HOOK_SECRET is not set');
    const weak = await refusal(request({ rawBody, env: { DEPLOY_HOOK_SECRET: 'hunter2' } }));
    expect(weak.code).toBe('CONFIG_INVALID');
    expect(weak.message).toContain('does not hold a Standard Webhooks secret');
    expect(weak.message).not.toContain('hunter2');
  });

  it('checks the signature before reading the body: bad JSON is USAGE only when signed', async () => {
    const rawBody = '{"ref": ';
    expect((await refusal(request({ rawBody, headers: signed('{}') }))).code).toBe('SIGNATURE_INVALID');
    const err = await refusal(request({ rawBody }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toMatch(/^the webhook body is not JSON: /);
  });

  it('an empty body is null to the templates', async () => {
    const trigger: Trigger = { kind: 'webhook', secret: '${env:DEPLOY_HOOK_SECRET}', parameters: { ref: '${{ body.ref }}', mode: 'ping' } };
    expect((await acceptHook(request({ rawBody: '', triggers: [trigger] }))).parameters).toEqual({ mode: 'ping' });
  });

  it('a template that fails on this body: PARAMETER_INVALID', async () => {
    const trigger: Trigger = { kind: 'webhook', secret: '${env:DEPLOY_HOOK_SECRET}', parameters: { n: '${{ $number(body.n) }}' } };
    const err = await refusal(request({ rawBody: '{"n":"twelve"}', triggers: [trigger] }));
    expect(err.code).toBe('PARAMETER_INVALID');
    expect(err.message).toContain("the webhook trigger of workflow 'deploy' could not map the body to parameters");
  });

  it('refuses a message id too long to be a start key', async () => {
    const rawBody = '{}';
    const err = await refusal(request({ rawBody, headers: signed(rawBody, { id: 'x'.repeat(300) }) }));
    expect(err.code).toBe('USAGE');
  });
});
