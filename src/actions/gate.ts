import { z } from 'zod';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type Action } from './action.js';
import { commandLine, runCheck, shortJson, type Check, type CheckKind, type Outcome } from './gate-checks.js';
import { METRICS } from './coverage.js';
import { patternProblem } from './denylist.js';

/**
 * The `gate` command: a list of checks that must all pass. Every check runs, even after
 * one fails, so the evidence shows everything that holds the gate at once. The outputs
 * (and, on failure, the ActionFailure's details, which the runtime stores with the event)
 * carry each check's evidence.
 */

const noNul = (what: string) => z.string().min(1).refine((s) => !s.includes('\0'), `${what} must not contain a NUL byte`);
const percent = z.number().min(0).max(100);
const globs = z.union([noNul('a glob'), z.array(noNul('a glob')).min(1)]);

const pattern = z
  .union([
    z.string().min(1),
    z.strictObject({
      name: z.string().min(1).optional().describe('Shown with each hit (default: the regex).'),
      regex: z.string().min(1),
      flags: z.string().optional().describe('Any of i, m, s, u.'),
    }),
  ])
  .superRefine((spec, ctx) => {
    const problem = patternProblem(spec);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: typeof spec === 'string' ? [] : ['regex'] });
  });

const coverage = z
  .strictObject({
    file: noNul('a path').describe('coverage-summary.json (istanbul json-summary) or lcov.info, relative to the workflow file.'),
    lines: percent.optional(),
    branches: percent.optional(),
    functions: percent.optional(),
    statements: percent.optional(),
  })
  .refine((c) => METRICS.some((m) => c[m] !== undefined), {
    message: 'give at least one threshold in percent: lines, branches, functions or statements',
  });

const denylist = z.strictObject({
  patterns: z.array(pattern).min(1).max(100).describe('Regular expressions; a string or { name, regex, flags }.'),
  files: globs.describe('Glob or globs of files to scan, relative to the workflow file.'),
  exclude: z.union([noNul('a glob'), z.array(noNul('a glob'))]).optional().describe('Globs to skip (node_modules and .git always are).'),
});

const commandSucceeds = z.strictObject({
  argv: z.array(noNul('an argv element')).min(1).describe('A program and its arguments, run without a shell.'),
  cwd: noNul('a path').optional().describe('Working directory, relative to the workflow file.'),
});

const KINDS = ['assert', 'coverage', 'denylist', 'file_exists', 'command_succeeds'] as const;

const check = z
  .strictObject({
    name: z.string().min(1).max(200).optional().describe('Shown in the evidence (default: from the check).'),
    message: z.string().min(1).max(1000).optional().describe('What the check means, shown when it fails.'),
    assert: z.unknown().optional().describe('Passes when true; usually a template such as ${{ steps.x.outputs.count > 0 }}.'),
    coverage: coverage.optional(),
    denylist: denylist.optional(),
    file_exists: noNul('a path').optional().describe('A path relative to the workflow file.'),
    command_succeeds: commandSucceeds.optional(),
  })
  .superRefine((c, ctx) => {
    const present = KINDS.filter((k) => Object.hasOwn(c, k));
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `a check needs one of: ${KINDS.join(', ')}`
            : `a check has one kind, but this one has ${present.join(' and ')}: make them separate checks`,
      });
    }
  });

const gateParameters = z.strictObject({
  checks: z.array(check).min(1).max(200).describe('Checks that must all pass; every one runs.'),
});

export type GateParameters = z.infer<typeof gateParameters>;
type CheckParameters = GateParameters['checks'][number];

export interface CheckResult extends Outcome {
  name: string;
  kind: CheckKind;
}

export const gateAction: Action<GateParameters> = {
  name: 'gate',
  summary: 'Assert conditions (values, coverage thresholds, no denylisted patterns, files, commands) with evidence.',
  parameters: gateParameters,
  mutates: false,
  async run(ctx) {
    const results: CheckResult[] = [];
    for (const [i, params] of ctx.parameters.checks.entries()) {
      if (ctx.signal.aborted) throw abortedFailure(ctx.signal.reason);
      const spec = checkOf(params);
      const outcome = await runCheck(spec, ctx);
      const summary = !outcome.passed && params.message ? `${params.message}: ${outcome.summary}` : outcome.summary;
      const result: CheckResult = { name: params.name ?? defaultName(spec, i), kind: spec.kind, ...outcome, summary };
      ctx.log('system', `${result.passed ? 'pass' : 'FAIL'} ${result.name}: ${result.summary}`);
      results.push(result);
    }
    const failed = results.filter((r) => !r.passed);
    if (failed.length > 0) {
      const lines = failed.map((r) => `- ${r.name}: ${r.summary}`);
      throw new ActionFailure(
        `gate failed: ${failed.length} of ${results.length} check${results.length === 1 ? '' : 's'} failed\n${lines.join('\n')}`,
        'GATE_FAILED',
        { checks: results },
        false,
      );
    }
    return { outputs: { passed: true, checks: results } };
  },
};

/** The schema let exactly one kind through; this names it for the type system. */
function checkOf(c: CheckParameters): Check {
  if (Object.hasOwn(c, 'assert')) return { kind: 'assert', value: c.assert };
  if (c.coverage) return { kind: 'coverage', spec: c.coverage };
  if (c.denylist) return { kind: 'denylist', spec: c.denylist };
  if (c.file_exists !== undefined) return { kind: 'file_exists', path: c.file_exists };
  if (c.command_succeeds) return { kind: 'command_succeeds', spec: c.command_succeeds };
  throw new Error(`gate check without a kind: ${shortJson(c)}`);
}

function defaultName(check: Check, index: number): string {
  switch (check.kind) {
    case 'assert':
      return `assert #${index + 1}`;
    case 'coverage':
      return `coverage ${check.spec.file}`;
    case 'denylist':
      return `denylist ${[check.spec.files].flat().join(', ')}`;
    case 'file_exists':
      return `file_exists ${check.path}`;
    case 'command_succeeds':
      return `command_succeeds ${commandLine(check.spec.argv)}`;
  }
}
