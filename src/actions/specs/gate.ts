import { z } from 'zod';
import { METRICS } from '../coverage.js';
import { patternProblem } from '../denylist.js';
import { lazySpec, type ActionSpec } from '../spec.js';

const KINDS = ['assert', 'coverage', 'denylist', 'file_exists', 'command_succeeds'] as const;

function gateParameters() {
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
  return z.strictObject({
    checks: z.array(check).min(1).max(200).describe('Checks that must all pass; every one runs.'),
  });
}

export type GateParameters = z.infer<ReturnType<typeof gateParameters>>;

export const gateSpec: ActionSpec<GateParameters> = lazySpec(
  {
    name: 'gate',
    summary: 'Assert conditions (values, coverage thresholds, no denylisted patterns, files, commands) with evidence.',
    mutates: false,
  },
  gateParameters,
);
