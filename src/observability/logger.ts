import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/**
 * The server's logger: pino, one JSON object per line, with secrets redacted before they
 * are written. Fastify takes it as `loggerInstance`, so request lines and Cairn's own
 * lines share one stream and one format.
 */

export interface LoggerOptions {
  /** `fatal`, `error`, `warn`, `info` (default), `debug`, `trace` or `silent`; else `CAIRN_LOG_LEVEL`. */
  level?: string;
  /** Where `CAIRN_LOG_LEVEL` is read (default: the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Where lines go (default: standard output). */
  destination?: DestinationStream;
  /** Added to every line as `name`. */
  name?: string;
}

export const LOG_LEVELS: readonly (Level | 'silent')[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const CENSOR = '[redacted]';

/**
 * Fields that may hold a credential, at the top of a line, one level down, and in request
 * and response headers (pino's redaction has no "any depth" wildcard).
 */
const SECRET_FIELDS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'secret', 'password', 'token', 'apiKey', 'api_key'];
export const REDACTED_PATHS: readonly string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const under = (parent: string) => (key.startsWith('[') ? `${parent}${key}` : `${parent}.${key}`);
  return [key, under('*'), under('req.headers'), under('res.headers'), under('headers'), under('*.headers')];
});

/** Create the server logger. Throws, naming the setting, on an unknown level. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fromEnv = (options.env ?? process.env).CAIRN_LOG_LEVEL;
  const level = options.level ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    const where = options.level !== undefined ? 'log level' : 'CAIRN_LOG_LEVEL';
    throw new Error(`${where}: '${level}' is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  }
  return pino(
    {
      level,
      ...(options.name !== undefined ? { name: options.name } : {}),
      redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: the lines are read by people as often as by programs.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
