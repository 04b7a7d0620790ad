import { apiFetch } from '../api';
import type { CommandEntry, JsonSchema } from './completion';
import type { ApiDiagnostic } from './diagnostics';

/** The dry run's plan (src/definition/plan.ts): the order, and the groups that may run together. */
export interface Plan {
  workflow: { id: string; name: string; version: string };
  order: string[];
  groups: string[][];
  maxParallel?: number;
  timeoutSeconds?: number;
  steps: Array<{ id: string; command: string; group: number; dependsOn: string[]; triggerRule: string; maxAttempts: number; timeoutSeconds?: number; continueOnError: boolean; condition?: { expression: string } }>;
}

export interface Validation {
  valid: boolean;
  level: string;
  diagnostics: ApiDiagnostic[];
  plan?: Plan;
}

export type ValidationLevel = 'basic' | 'standard' | 'strict' | 'paranoid';

export const listCommands = () => apiFetch<{ commands: CommandEntry[] }>('/commands');
export const workflowSchema = () => apiFetch<JsonSchema>('/workflows/schema');
/** Validate YAML text; `paranoid` also answers the dry run's plan when the definition is valid. */
export const validateText = (definition: string, level?: ValidationLevel) =>
  apiFetch<Validation>('/workflows/validate', { body: { definition, format: 'yaml', ...(level ? { level } : {}) } });
