/**
 * CLI commands that change state, as audit actions (`cairn secrets` and `cairn prune`
 * record their own). Apart from audit.ts so that the CLI can tell, before loading the
 * store, whether a command needs recording: `cairn validate` must not pay for it.
 */
const CLI_ACTIONS: Readonly<Record<string, string>> = {
  run: 'run.start',
  cancel: 'run.cancel',
  complete: 'task.complete',
  approve: 'step.approve',
  signal: 'run.signal',
  pause: 'run.pause',
  unpause: 'run.unpause',
  retry: 'run.retry',
  rollback: 'run.rollback',
  'keys create': 'key.create',
  'keys revoke': 'key.revoke',
  'memory add': 'memory.add',
  restore: 'store.restore',
  'migrate-store': 'store.migrate',
};

/** The audit action of a CLI command (`approve`, `keys revoke`) with its options, or undefined when it records nothing. */
export function auditedCommand(command: string, options: Record<string, unknown>): string | undefined {
  const action = CLI_ACTIONS[command];
  if (action === 'step.approve' && options['reject'] === true) return 'step.reject';
  if (action === 'run.rollback' && options['strategy'] === 'manual') return undefined;
  return action;
}
