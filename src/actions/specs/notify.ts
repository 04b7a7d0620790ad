import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

/** The run log, always available whatever the configuration says. */
export const LOG_CHANNEL = 'log';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

function notifyParameters() {
  const channelName = z.string().min(1).max(100);
  return z
    .strictObject({
      channel: z
        .union([channelName, z.array(channelName).min(1).max(20)])
        .optional()
        .describe(`A configured channel's name, or a list of them (default "${LOG_CHANNEL}", the run log).`),
      message: z.unknown().describe('A string, or any value (sent as JSON to webhooks, as text elsewhere).'),
      title: z.string().min(1).max(500).optional(),
      severity: z.enum(SEVERITIES).optional().describe('Default info.'),
    })
    .refine((p) => p.message !== undefined, { message: '`message` is required', path: ['message'] });
}

export type NotifyParameters = z.infer<ReturnType<typeof notifyParameters>>;

export const notifySpec: ActionSpec<NotifyParameters> = lazySpec(
  {
    name: 'notify',
    summary: 'Send a message to notification channels (webhook, Slack) or the run log.',
    mutates: false,
  },
  notifyParameters,
);
