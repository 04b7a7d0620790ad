import type { Action } from './action.js';
import { waitSpec, type WaitParameters } from './specs/wait.js';

export type { WaitParameters } from './specs/wait.js';

/**
 * A durable sleep. Only the parameters live here: the engine carries out the wait itself as
 * a stored timer, so that it survives a restart.
 */
export const waitAction: Action<WaitParameters> = {
  ...waitSpec,
  run() {
    return Promise.reject(
      new Error('wait.run() was called: the engine must carry out `wait` steps as durable timers, not dispatch them to an action'),
    );
  },
};
