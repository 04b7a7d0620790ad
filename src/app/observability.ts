/**
 * Metrics and logging for the server, apart from index.ts: pino and prom-client load only
 * for `cairn serve`, not for every command that opens the application.
 */
export { createLogger, EventLog, Metrics, METRIC_NAMES, type MetricsSources, type LoggerOptions } from '../observability/index.js';
