import { ActionFailure, type Action } from '../actions/action.js';
import type { StepSpec } from '../engine/types.js';
import { expressionContext } from './prepare.js';
import type { RunSlot } from './run-slot.js';
import { redactionList, revealParameters, secretNames, SecretUnavailable, type SecretSource } from './secrets.js';
import { parameterIssues } from './parameter-issues.js';

/**
 * The parameters one attempt runs with: the prepared (masked) ones with the step's secrets
 * filled in, and the values added to what the run redacts. Nothing of it is recorded.
 */
export async function revealSecrets(slot: RunSlot, key: string, spec: StepSpec, action: Action, prepared: Record<string, unknown>, source: SecretSource | undefined): Promise<Record<string, unknown>> {
  const names = secretNames(spec.parameters);
  if (names.length === 0) return prepared;
  if (!source) throw new ActionFailure(`step '${key}' reads secrets (${names.join(', ')}), but this process has no secret store`, 'SECRET_UNAVAILABLE', { secrets: names }, false);
  let values: Map<string, string>;
  try {
    values = await source.reveal(names);
  } catch (err) {
    if (err instanceof SecretUnavailable) throw new ActionFailure(err.message, 'SECRET_UNAVAILABLE', { secrets: names }, false);
    throw err;
  }
  slot.redact = redactionList([...(slot.redact ?? []), ...values.values()]);
  const instance = slot.state.steps.get(key);
  const parent = instance?.parent !== undefined ? slot.state.steps.get(instance.parent) : undefined;
  const context = expressionContext(slot.state, parent?.items?.[instance?.index ?? 0], instance?.index);
  const revealed = await revealParameters(spec.parameters, prepared, context, values);
  const parsed = action.parameters.safeParse(revealed);
  if (!parsed.success) {
    const issues = parameterIssues(parsed.error);
    throw new ActionFailure(`invalid parameters for '${spec.command}' once its secrets are filled in: ${issues}`, 'BAD_PARAMETERS', {}, false);
  }
  return parsed.data as Record<string, unknown>;
}
