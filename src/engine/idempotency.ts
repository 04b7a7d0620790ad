/**
 * The idempotency key of a step's attempts (every retry of a step shares it) and of its
 * compensation: what actions hand to the outside world (CAIRN_IDEMPOTENCY_KEY, the
 * Idempotency-Key header), and what recovery looks for in a crashed owner's processes.
 */
export function stepKey(runId: string, step: string): string {
  return `${runId}:${step}`;
}

export function compensationKey(runId: string, step: string): string {
  return `${runId}:${step}:rollback`;
}
