/**
 * Metrics and logs of a Cairn process: what a server wires to its event stream, its
 * requests and its `/metrics` route.
 */
export { EventLog, type EventLogOptions } from './event-log.js';
export { createLogger, LOG_LEVELS, REDACTED_PATHS, type LoggerOptions } from './logger.js';
export { METRIC_NAMES, Metrics, type MetricsSources } from './metrics.js';
export type { WorkflowShape } from './run-labels.js';
