export { Cairn, type CairnOptions, type LocksView, type CompensationResult, type RollbackReport, type RunView, type StartRunRequest, type ValidationReport } from './cairn.js';
export { CairnError, type CairnErrorCode } from './errors.js';
export { formatDiagnostic, formatPlan, type Diagnostic, type Plan } from './definitions.js';
export { TERMINAL_RUN_STATUSES, type Note, type NoteHit, type OpenTask, type Run, type RunEvent, type RunStatus, type StepError, type StepRun, type StepStatus, type Workflow } from '../engine/types.js';
export type { LiveMessage } from '../runtime/live.js';
export type { LockHold, LockWaiter } from '../store/store.js';
