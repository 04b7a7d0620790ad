/**
 * Failures a user can act on, with stable codes (docs/errors.md lists them). Front doors
 * map them: the CLI to a message and exit code, later the API to a JSON error body.
 */
export type CairnErrorCode =
  | 'CONFIG_INVALID'
  | 'DEFINITION_INVALID'
  | 'DEFINITION_NOT_FOUND'
  | 'PARAMETER_INVALID'
  | 'RUN_NOT_FOUND'
  | 'RUN_AMBIGUOUS'
  | 'RUN_FINISHED'
  | 'STEP_NOT_FOUND'
  | 'TASK_NOT_OPEN'
  | 'OUTPUT_INVALID'
  | 'NOT_ALLOWED'
  | 'REQUEST_PENDING'
  | 'ROLLBACK_REFUSED'
  | 'RETRY_REFUSED'
  | 'STORE_BUSY'
  | 'STORE_UNAVAILABLE'
  | 'STORE_FULL'
  | 'STORE_CORRUPT'
  | 'STORE_VERSION'
  | 'STORE_DUPLICATE'
  | 'WORKFLOW_NOT_FOUND'
  | 'KEY_NOT_FOUND'
  | 'KEY_NAME_TAKEN'
  | 'WEBHOOK_NOT_FOUND'
  | 'WEBHOOK_URL_REFUSED'
  | 'SIGNATURE_INVALID'
  | 'TRIGGER_NOT_FOUND'
  | 'PORT_IN_USE'
  | 'PARAMETERS_TOO_LARGE'
  | 'OUTPUT_TOO_LARGE'
  | 'TOO_MANY_RUNS'
  | 'SECRET_NOT_FOUND'
  | 'SECRET_KEY_MISSING'
  | 'SECRET_KEY_INVALID'
  | 'SECRETS_FILE_EXPOSED'
  | 'SECRETS_FILE_INVALID'
  | 'BACKUP_REFUSED'
  | 'RESTORE_REFUSED'
  | 'USAGE';

export class CairnError extends Error {
  constructor(
    readonly code: CairnErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CairnError';
  }
}
