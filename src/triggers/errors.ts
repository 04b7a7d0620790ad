/**
 * Why an incoming webhook starts nothing. The codes are the application's (CairnError,
 * docs/errors.md); src/app converts at its edge, so this folder does not depend on it.
 */
export type TriggerErrorCode = 'TRIGGER_NOT_FOUND' | 'SIGNATURE_INVALID' | 'CONFIG_INVALID' | 'USAGE' | 'PARAMETER_INVALID';

export class TriggerError extends Error {
  constructor(
    readonly code: TriggerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'TriggerError';
  }
}
