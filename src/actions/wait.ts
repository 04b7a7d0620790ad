import { z } from 'zod';
import type { Action } from './action.js';

const waitParameters = z
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

export type WaitParameters = z.infer<typeof waitParameters>;

/**
 * A durable sleep. Only the parameters live here: the engine carries out the wait itself as
 * a stored timer, so that it survives a restart.
 */
export const waitAction: Action<WaitParameters> = {
  name: 'wait',
  summary: 'Wait for a number of seconds, until a date, or for a signal; the wait survives a restart.',
  parameters: waitParameters,
  mutates: false,
  run() {
    return Promise.reject(
      new Error('wait.run() was called: the engine must carry out `wait` steps as durable timers, not dispatch them to an action'),
    );
  },
};
