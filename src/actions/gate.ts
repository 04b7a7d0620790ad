import { abortedFailure } from './aborted.js';
import { ActionFailure, type Action } from './action.js';
import { commandLine, runCheck, shortJson, type Check, type CheckKind, type Outcome } from './gate-checks.js';
import { gateSpec, type GateParameters } from './specs/gate.js';

export type { GateParameters } from './specs/gate.js';

/**
 * The `gate` command: a list of checks that must all pass. Every check runs, even after
 * one fails, so the evidence shows everything that holds the gate at once. The outputs
 * (and, on failure, the ActionFailure's details, which the runtime stores with the event)
 * carry each check's evidence.
 */

type CheckParameters = GateParameters['checks'][number];

export interface CheckResult extends Outcome {
  name: string;
  kind: CheckKind;
}

export const gateAction: Action<GateParameters> = {
  ...gateSpec,
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
