import type { Workflow } from '../engine/types.js';
import { compileExpression, type CompiledExpression } from '../expressions/compile.js';
import { CONTEXT_ROOTS } from '../expressions/context.js';
import { ExpressionError } from '../expressions/errors.js';
import type { ExpressionReference } from '../expressions/references.js';
import type { Diagnostic } from './diagnostic.js';
import { ancestors } from './graph.js';
import type { ExpressionSite } from './sites.js';
import { closestName, listNames } from './suggest.js';

/** A diagnostic plus the character offset inside the string at its path. */
export interface SiteDiagnostic {
  diagnostic: Diagnostic;
  within?: number;
}

/** Basic level: every expression compiles. Returns the compiled ones for later checks. */
export function compileSites(sites: readonly ExpressionSite[]): { compiled: Map<ExpressionSite, CompiledExpression>; problems: SiteDiagnostic[] } {
  const compiled = new Map<ExpressionSite, CompiledExpression>();
  const problems: SiteDiagnostic[] = [];
  for (const site of sites) {
    try {
      if (site.error) throw site.error;
      compiled.set(site, compileExpression(site.expression));
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      // A malformed template's offset is already inside the string; a compile error's is
      // inside the expression, which starts at site.offset.
      const within = site.error ? err.offset : site.offset + err.offset;
      problems.push({
        diagnostic: {
          severity: 'error',
          code: 'DEF_BAD_EXPRESSION',
          message: `${describeSite(site)}: ${err.message} (in '${clip(err.expression)}')`,
          path: site.path,
          ...(err.code === 'EXPR_FORBIDDEN' ? { fix: 'write the expression without it' } : {}),
        },
        within,
      });
    }
  }
  return { compiled, problems };
}

const RUN_FIELDS = ['id', 'workflow', 'started_at'];

/**
 * Standard level: expressions read only what exists where they run — declared parameters,
 * steps that have finished by then (dependencies, transitively), `item`/`index` inside a
 * fan-out, `result` inside a step's own outputs.
 */
export function checkReferences(workflow: Workflow, compiled: Map<ExpressionSite, CompiledExpression>): SiteDiagnostic[] {
  const problems: SiteDiagnostic[] = [];
  const upstream = ancestors(workflow.steps);
  const stepIds = workflow.steps.map((s) => s.id);
  const parameterNames = Object.keys(workflow.parameters);
  for (const [site, expr] of compiled) {
    const step = site.step === undefined ? undefined : workflow.steps[site.step];
    const report = (ref: ExpressionReference, diagnostic: Omit<Diagnostic, 'severity' | 'path'>) =>
      problems.push({ diagnostic: { severity: 'error', path: site.path, ...diagnostic }, within: site.offset + ref.offset });
    const refs = expr.references();
    // `steps.my-step` parses as `steps.my - step`: say so once instead of two odd errors.
    const hyphenated = refs.some((r) => r.root === 'steps' && r.key !== undefined && !stepIds.includes(r.key) && stepIds.some((id) => id.startsWith(`${r.key}-`)));
    for (const ref of refs) {
      switch (ref.root) {
        case 'parameters':
          if (ref.key !== undefined && !parameterNames.includes(ref.key)) {
            const near = closestName(ref.key, parameterNames);
            report(ref, {
              code: 'DEF_UNKNOWN_PARAMETER',
              message: `${describeSite(site)} reads parameters.${ref.key}, but the workflow declares ${parameterNames.length ? `only ${listNames(parameterNames)}` : 'no parameters'}.${near ? ` Did you mean '${near}'?` : ''}`,
              fix: near ? `parameters.${near}` : `declare it under \`parameters:\` (e.g. ${ref.key}: {type: string})`,
            });
          }
          break;
        case 'steps':
          if (ref.key !== undefined) {
            // A rollback runs after its step: it may read the step's own outputs too.
            const before = step ? upstream.get(step.id) : undefined;
            const readable = site.kind === 'rollback' && step ? new Set([...(before ?? []), step.id]) : before;
            checkStepRef({ ...ref, key: ref.key }, site, site.kind === 'rollback' ? undefined : step?.id, stepIds, readable, hyphenated, report);
          }
          break;
        case 'run':
          if (ref.key !== undefined && !RUN_FIELDS.includes(ref.key)) {
            report(ref, { code: 'DEF_UNKNOWN_NAME', message: `run.${ref.key} does not exist; run has ${listNames(RUN_FIELDS)}.${suggest(ref.key, RUN_FIELDS)}` });
          }
          break;
        case 'item':
        case 'index':
          if (!(step && step.forEach !== undefined && (site.kind === 'parameter' || site.kind === 'output'))) {
            report(ref, {
              code: 'DEF_UNKNOWN_NAME',
              message: `${describeSite(site)} reads '${ref.root}', which only exists in the parameters and outputs of a for_each step`,
            });
          }
          break;
        case 'secrets': {
          const problem = secretProblem(site, step?.command, ref.key);
          if (problem) report(ref, problem);
          break;
        }
        case 'result':
          if (site.kind !== 'output') {
            report(ref, { code: 'DEF_UNKNOWN_NAME', message: `${describeSite(site)} reads 'result', which only exists in a step's own outputs (the action's result)` });
          }
          break;
        default:
          if (!hyphenated) {
            const roots = site.kind === 'output' ? [...CONTEXT_ROOTS, 'result'] : [...CONTEXT_ROOTS];
            report(ref, {
              code: 'DEF_UNKNOWN_NAME',
              message: `${describeSite(site)} reads '${ref.root}', which is not defined; expressions read ${listNames(roots)}.${suggest(ref.root, roots)}`,
            });
          }
      }
    }
  }
  return problems;
}

function checkStepRef(
  ref: ExpressionReference & { key: string },
  site: ExpressionSite,
  self: string | undefined,
  stepIds: string[],
  upstream: Set<string> | undefined,
  hyphenated: boolean,
  report: (ref: ExpressionReference, d: Omit<Diagnostic, 'severity' | 'path'>) => void,
): void {
  if (!stepIds.includes(ref.key)) {
    const dashed = stepIds.find((id) => id.startsWith(`${ref.key}-`));
    if (hyphenated && dashed) {
      report(ref, {
        code: 'DEF_UNKNOWN_STEP',
        message: `${describeSite(site)}: in an expression, steps.${dashed} reads as steps.${ref.key} minus ${dashed.slice(ref.key.length + 1)}; ids with '-' need backticks`,
        fix: `steps.\`${dashed}\``,
      });
      return;
    }
    report(ref, { code: 'DEF_UNKNOWN_STEP', message: `${describeSite(site)} reads steps.${ref.key}, but there is no step '${ref.key}'.${suggest(ref.key, stepIds)}` });
    return;
  }
  if (ref.field !== undefined && ref.field !== 'outputs' && ref.field !== 'status') {
    report(ref, { code: 'DEF_UNKNOWN_NAME', message: `steps.${ref.key}.${ref.field} does not exist; a step has 'outputs' and 'status'.${suggest(ref.field, ['outputs', 'status'])}` });
    return;
  }
  // Workflow outputs run after every step; a step's own outputs may read itself.
  if (self === undefined || upstream === undefined) return;
  if (ref.key === self && site.kind === 'output') return;
  if (ref.key === self) {
    report(ref, { code: 'DEF_NOT_UPSTREAM', message: `step '${self}' reads its own steps.${self} in ${describeSite(site)}, before it has run` });
    return;
  }
  if (!upstream.has(ref.key)) {
    report(ref, {
      code: 'DEF_NOT_UPSTREAM',
      message: `step '${ref.key}' is not a dependency of '${self}'; add it to depends_on (otherwise it may not have run yet)`,
      fix: `depends_on: [${ref.key}] in step '${self}'`,
    });
  }
}

function suggest(name: string, known: readonly string[]): string {
  const near = closestName(name, known);
  return near ? ` Did you mean '${near}'?` : '';
}

export function describeSite(site: ExpressionSite): string {
  switch (site.kind) {
    case 'if':
      return 'the condition (if)';
    case 'for_each':
      return 'the for_each source';
    case 'output':
      return `output '${String(site.path[3] ?? '')}'`;
    case 'workflow_output':
      return `workflow output '${String(site.path[1] ?? '')}'`;
    default:
      return `the template in ${site.path.slice(2).map(String).join('.')}`;
  }
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

/**
 * Where `secrets.NAME` may be read (docs/secrets.md): only in a step's parameters, which get
 * the value just before the attempt runs; never where it would be recorded (conditions,
 * outputs, a sub-workflow's parameters) or seen by other users of the machine (argv).
 */
function secretProblem(site: ExpressionSite, command: string | undefined, key: string | undefined): Omit<Diagnostic, 'severity' | 'path'> | undefined {
  if (key === undefined) return { code: 'DEF_SECRET_NOT_ALLOWED', message: `${describeSite(site)} reads 'secrets' whole; name one secret: secrets.NAME` };
  if (site.kind !== 'parameter') {
    return {
      code: 'DEF_SECRET_NOT_ALLOWED',
      message: `${describeSite(site)} reads secrets.${key}; a secret may be read only in a step's parameters (they get its value just before the step runs, and nothing records it)`,
    };
  }
  if (command === 'shell' && site.path[3] !== 'env') {
    return {
      code: 'DEF_SECRET_NOT_ALLOWED',
      message: `${describeSite(site)} puts secrets.${key} in '${String(site.path[3])}': a shell step gets a secret only through its environment (argv is visible to every user in \`ps\`)`,
      fix: `env: { ${key}: "\${{ secrets.${key} }}" }\n  run: my-command --token "$${key}"`,
    };
  }
  if (command === 'workflow') {
    return {
      code: 'DEF_SECRET_NOT_ALLOWED',
      message: `${describeSite(site)} passes secrets.${key} to a sub-workflow, whose parameters are recorded with its run; let the sub-workflow read secrets.${key} itself`,
    };
  }
  return undefined;
}
