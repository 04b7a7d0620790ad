import pc from 'picocolors';
import { CairnError } from '../app/errors.js';
import type { Diagnostic } from '../app/definitions.js';
import { CliError, EXIT } from './exit.js';

/** One clear message on stderr (a stack only with --debug); returns the exit code. */
export async function reportError(err: unknown, debug: boolean): Promise<number> {
  if (err instanceof CliError) {
    process.stderr.write(`${pc.red('cairn:')} ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof CairnError) {
    const lines = err.details.lines as string[] | undefined;
    if (lines) for (const line of lines) process.stderr.write(`${line}\n`);
    const diagnostics = err.details.diagnostics as Diagnostic[] | undefined;
    if (diagnostics) {
      // Loaded only when needed: the definition layer is the heaviest import of a start.
      const { formatDiagnostic } = await import('../app/definitions.js');
      for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    }
    process.stderr.write(`${pc.red('cairn:')} ${err.message}\n`);
    if (debug) process.stderr.write(`${err.stack ?? ''}\n`);
    return USAGE_CODES.has(err.code) ? EXIT.usage : EXIT.failed;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${pc.red('cairn:')} ${message}\n`);
  if (debug && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  else process.stderr.write(pc.dim('(run with --debug for details)\n'));
  return EXIT.failed;
}

/** Errors in what the user asked for, rather than failures: exit 2. */
const USAGE_CODES = new Set(['PARAMETER_INVALID', 'USAGE', 'RUN_NOT_FOUND', 'RUN_AMBIGUOUS', 'STEP_NOT_FOUND', 'TASK_NOT_OPEN', 'OUTPUT_INVALID', 'NOT_ALLOWED', 'ROLLBACK_REFUSED', 'RETRY_REFUSED']);
