import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, StoreError, type CairnErrorCode } from '../app/index.js';

/**
 * Every failure answers `{"error": {"code", "message", "details"}}` with a stable code
 * (docs/errors.md): application errors keep theirs, the server adds its own below.
 */
export type ApiErrorCode =
  | CairnErrorCode
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BODY_INVALID'
  | 'BODY_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'SHUTTING_DOWN'
  | 'TOO_MANY_CLIENTS'
  | 'INTERNAL';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS: Partial<Record<CairnErrorCode, number>> = {
  CONFIG_INVALID: 500,
  DEFINITION_INVALID: 422,
  DEFINITION_NOT_FOUND: 404,
  PARAMETER_INVALID: 422,
  RUN_NOT_FOUND: 404,
  RUN_AMBIGUOUS: 409,
  RUN_FINISHED: 409,
  STEP_NOT_FOUND: 404,
  TASK_NOT_OPEN: 409,
  OUTPUT_INVALID: 422,
  NOT_ALLOWED: 403,
  REQUEST_PENDING: 409,
  ROLLBACK_REFUSED: 409,
  RETRY_REFUSED: 409,
  STORE_BUSY: 503,
  STORE_UNAVAILABLE: 503,
  STORE_FULL: 503,
  STORE_CORRUPT: 500,
  STORE_VERSION: 500,
  STORE_DUPLICATE: 409,
  WORKFLOW_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  KEY_NAME_TAKEN: 409,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_URL_REFUSED: 422,
  SIGNATURE_INVALID: 401,
  TRIGGER_NOT_FOUND: 404,
  USAGE: 400,
  PARAMETERS_TOO_LARGE: 413,
  OUTPUT_TOO_LARGE: 413,
  TOO_MANY_RUNS: 429,
  SECRET_NOT_FOUND: 404,
  SECRET_KEY_MISSING: 503,
  SECRET_KEY_INVALID: 503,
  SECRETS_FILE_EXPOSED: 503,
  SECRETS_FILE_INVALID: 503,
  BACKUP_REFUSED: 409,
  RESTORE_REFUSED: 409,
};

export function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string, details: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code, message, details } });
}

/** Fastify's error handler: known errors keep their code; anything else is a 500 without internals. */
export function errorHandler(log: (err: unknown, req: FastifyRequest) => void) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof ApiError) return sendError(reply, err.status, err.code, err.message, err.details);
    // A store failure the user can act on (disk full, lock held, server down) keeps its code too, not a 500.
    const known = err instanceof CairnError ? err : err instanceof StoreError && err.code !== 'STORE_CORRUPT' && err.code !== 'STORE_VERSION' ? new CairnError(err.code, err.message) : undefined;
    if (known) {
      const status = STATUS[known.code] ?? 400;
      // 503s pass (a full disk freed, a lock released, a server back): say when to try again.
      if (status === 503) void reply.header('retry-after', '5');
      return sendError(reply, status, known.code, known.message, jsonSafe(known.details));
    }
    const fastifyErr = err as FastifyError;
    if (fastifyErr.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, 'BODY_TOO_LARGE', 'the request body is larger than the server accepts', { limit: request.server.initialConfig.bodyLimit });
    if (fastifyErr.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `send JSON (Content-Type: application/json), not ${request.headers['content-type'] ?? 'no content type'}`);
    if (fastifyErr.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return sendError(reply, 400, 'BODY_INVALID', 'the body is empty but Content-Type says JSON: send {} or no Content-Type');
    if (fastifyErr.statusCode === 400 && (err instanceof SyntaxError || fastifyErr.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
      return sendError(reply, 400, 'BODY_INVALID', `the body is not valid JSON: ${err.message}`);
    }
    if (fastifyErr.statusCode === 429) return sendError(reply, 429, 'RATE_LIMITED', err.message);
    if (typeof fastifyErr.statusCode === 'number' && fastifyErr.statusCode >= 400 && fastifyErr.statusCode < 500) {
      return sendError(reply, fastifyErr.statusCode, 'BODY_INVALID', err.message);
    }
    log(err, request);
    return sendError(reply, 500, 'INTERNAL', 'the server failed to answer; the error is in its log', { requestId: request.id });
  };
}

/** Details go out as JSON; drop what cannot (functions, cycles) rather than fail the answer. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  const { report: _report, ...rest } = details;
  try {
    return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
