import { z } from 'zod';
import type { Action } from './action.js';

const logParameters = z
  .strictObject({
    message: z.unknown().describe('Any value: a string is logged as is, anything else as JSON.'),
    level: z.enum(['info', 'warn', 'error']).optional().describe('Default info.'),
  })
  .refine((p) => p.message !== undefined, { message: '`message` is required', path: ['message'] });

export type LogParameters = z.infer<typeof logParameters>;

/** Writes a message to the run log. Also the no-op of the per-step overhead benchmark, so it stays trivial. */
export const logAction: Action<LogParameters> = {
  name: 'log',
  summary: 'Write a message to the run log.',
  parameters: logParameters,
  mutates: false,
  run(ctx) {
    const { message, level } = ctx.parameters;
    const text = typeof message === 'string' ? message : JSON.stringify(message) ?? String(message);
    const prefix = level === 'warn' || level === 'error' ? `${level}: ` : '';
    if (!text.includes('\n')) ctx.log('system', prefix + text);
    else for (const line of text.split('\n')) ctx.log('system', prefix + line);
    return Promise.resolve({ outputs: { message } });
  },
};
