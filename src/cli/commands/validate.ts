import type { Command } from 'commander';
import pc from 'picocolors';
import { validateFile } from '../../app/validate.js';
import { formatDiagnostic, formatPlan } from '../../app/definitions.js';
import { EXIT } from '../exit.js';

export default async function validate(file: string, opts: { level?: 'basic' | 'standard' | 'strict' | 'paranoid'; json?: boolean }, cmd: Command): Promise<number> {
  const { config } = cmd.optsWithGlobals<{ config?: string }>();
  const report = await validateFile(file, opts.level, config ? { config } : {});
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, level: report.level, valid: report.valid, diagnostics: report.diagnostics, plan: report.plan ?? null }, null, 2)}\n`);
    return report.valid ? EXIT.ok : EXIT.failed;
  }
  for (const d of report.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = report.diagnostics.length - errors;
  if (report.valid) {
    const wf = report.workflow;
    process.stdout.write(`${pc.green('✓')} ${file} is valid at level ${report.level}${wf ? ` (${wf.id}, ${wf.steps.length} steps)` : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}\n`);
    if (report.plan) process.stdout.write(`\n${formatPlan(report.plan)}\n`);
    return EXIT.ok;
  }
  process.stderr.write(`${pc.red('✗')} ${file}: ${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}\n`);
  return EXIT.failed;
}
