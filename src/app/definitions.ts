/** What front doors may use of the definition layer: presenting diagnostics and plans. */
export { formatDiagnostic, formatPlan, type Diagnostic, type Plan } from '../definition/index.js';
