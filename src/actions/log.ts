import type { Action } from './action.js';
import { logSpec, type LogParameters } from './specs/log.js';

export type { LogParameters } from './specs/log.js';

/** Writes a message to the run log. Also the no-op of the per-step overhead benchmark, so it stays trivial. */
export const logAction: Action<LogParameters> = {
  ...logSpec,
  run(ctx) {
    const { message, level } = ctx.parameters;
    const text = typeof message === 'string' ? message : JSON.stringify(message) ?? String(message);
    const prefix = level === 'warn' || level === 'error' ? `${level}: ` : '';
    if (!text.includes('\n')) ctx.log('system', prefix + text);
    else for (const line of text.split('\n')) ctx.log('system', prefix + line);
    return Promise.resolve({ outputs: { message } });
  },
};
