import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

function logParameters() {
  return z
    .strictObject({
      message: z.unknown().describe('Any value: a string is logged as is, anything else as JSON.'),
      level: z.enum(['info', 'warn', 'error']).optional().describe('Default info.'),
    })
    .refine((p) => p.message !== undefined, { message: '`message` is required', path: ['message'] });
}

export type LogParameters = z.infer<ReturnType<typeof logParameters>>;

export const logSpec: ActionSpec<LogParameters> = lazySpec(
  {
    name: 'log',
    summary: 'Write a message to the run log.',
    mutates: false,
  },
  logParameters,
);
