// Shapes of the REST API's answers (docs/server.md, GET /api/v1/openapi.json). Written out
// here because the dashboard talks only to the API: it never imports the server's code.

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'rolling_back' | 'rolled_back' | 'rollback_failed';
export type StepStatus = 'pending' | 'queued' | 'running' | 'waiting' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'rolling_back', 'rolled_back'];
export const TERMINAL_RUN: RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed'];

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface WhoAmI {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
}

export interface ParameterSpec {
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | string;
  default?: unknown;
  required: boolean;
  enum?: unknown[];
  description?: string;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  version: string;
  description?: string;
  category?: string;
  tags: string[];
  revision: number;
  hash: string;
  createdAt: number;
  path?: string;
  parameters: Record<string, ParameterSpec>;
  steps: number;
}

export interface WorkflowDetail extends WorkflowSummary {
  source: string;
  format: 'yaml' | 'json';
  revisions: Array<{ revision: number; hash: string; version: string; createdAt: number }>;
}

export interface PrefillValue {
  value: unknown;
  count: number;
}

export interface PrefillParameter {
  name: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  description?: string;
  enum?: unknown[];
  values?: PrefillValue[];
  [extra: string]: unknown;
}

export interface StepError {
  message: string;
  code: string;
  details?: Record<string, unknown>;
}

export interface Run {
  id: string;
  workflowId: string;
  workflowName: string;
  definitionHash: string;
  status: RunStatus;
  parameters: Record<string, unknown>;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  outputs?: Record<string, unknown>;
  error?: StepError;
  startedBy?: string;
  paused?: boolean;
  parent?: { runId: string; step: string };
}

export interface StepRun {
  key: string;
  stepId: string;
  index?: number;
  status: StepStatus;
  attempts: number;
  outputs?: Record<string, unknown>;
  error?: StepError;
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
}

/** A step as the definition wrote it: what the DAG draws. */
export interface PlanStep {
  id: string;
  command: string;
  description?: string;
  dependsOn: string[];
  phase?: string;
  parameters: Record<string, unknown>;
}

export interface RunDetail {
  run: Run;
  steps: StepRun[];
  groups: string[][];
  plan?: { steps: PlanStep[]; phases?: string[] };
}

export interface RunEvent {
  runId: string;
  seq: number;
  type: string;
  at: number;
  data: Record<string, unknown>;
}

export interface LogLine {
  id: number;
  runId?: string;
  step: string;
  attempt?: number;
  stream?: string;
  line?: string;
  text?: string;
  at?: number;
  [extra: string]: unknown;
}

export interface OpenTask {
  kind: 'task' | 'approval';
  runId: string;
  workflowId: string;
  workflowName: string;
  step: string;
  instructions?: string;
  assignee?: string;
  outputSchema?: Record<string, unknown>;
  required?: number;
  approvers?: string[];
  approvedBy: string[];
  selfApproval?: boolean;
  dueAt?: number;
  details?: Record<string, unknown>;
}

/** One message of the live stream (WebSocket /api/v1/events). */
export interface LiveEvent {
  cursor: number;
  runId: string;
  seq: number;
  type: string;
  at: number;
  data: Record<string, unknown>;
}
