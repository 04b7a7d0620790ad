import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

function waitParameters() {
  return z
    .strictObject({
      seconds: z.number().nonnegative().optional().describe('How long to wait.'),
      until: z
        .union([z.iso.datetime({ offset: true }), z.iso.date()])
        .optional()
        .describe('An ISO 8601 date or date-time with offset (e.g. 2030-01-01T09:00:00Z) to wait for.'),
      signal: z
        .string()
        .min(1)
        .optional()
        .describe('Wait until this signal arrives (`cairn signal RUN NAME`); the step outputs its data.'),
    })
    .refine((p) => [p.seconds, p.until, p.signal].filter((v) => v !== undefined).length === 1, {
      message: 'give exactly one of `seconds`, `until` or `signal`',
    });
}

export type WaitParameters = z.infer<ReturnType<typeof waitParameters>>;

export const waitSpec: ActionSpec<WaitParameters> = lazySpec(
  {
    name: 'wait',
    summary: 'Wait for a number of seconds, until a date, or for a signal; the wait survives a restart.',
    mutates: false,
  },
  waitParameters,
);
