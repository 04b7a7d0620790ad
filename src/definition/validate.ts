import type { Workflow } from '../engine/types.js';
import { isTruthy } from '../expressions/evaluate.js';
import type { CommandCatalog } from './catalog.js';
import { checkCommands } from './check-commands.js';
import { checkReferences, compileSites, describeSite, type SiteDiagnostic } from './check-expressions.js';
import { checkParameters } from './check-parameters.js';
import { checkTriggers } from './check-triggers.js';
import { checkPlacement } from './check-placement.js';
import { hasErrors, type Diagnostic } from './diagnostic.js';
import { checkGraph } from './graph.js';
import type { ParsedDefinition } from './parse.js';
import { placed } from './parse.js';
import { expressionSites } from './sites.js';

/**
 * How thorough `cairn validate` is (DESIGN.md "Validation levels"); each level includes
 * the ones before it.
 * - basic: shape, unique ids, dependencies resolve and are acyclic, expressions compile,
 *   parameter declarations agree with themselves, triggers can work (cron, time zone,
 *   webhook secret, the parameters they pass);
 * - standard: + commands exist and accept their parameters, no template where a command
 *   forbids one, expressions read only declared parameters and upstream steps, sane timeouts;
 * - strict: + every step is bounded by a timeout, state-changing steps have a rollback
 *   when rollback is enabled (warnings for now);
 * - paranoid: + a dry run over the graph (`planWorkflow`) and conditions that cannot vary.
 */
export type ValidationLevel = 'basic' | 'standard' | 'strict' | 'paranoid';
export const VALIDATION_LEVELS: readonly ValidationLevel[] = ['basic', 'standard', 'strict', 'paranoid'];

const ONE_DAY_SECONDS = 86_400;

/**
 * Check a parsed definition at a level. Returns only the diagnostics found here (the
 * parse's own are in `parsed.diagnostics`). Never throws on bad input.
 */
export async function validateWorkflow(parsed: ParsedDefinition, level: ValidationLevel = 'standard', catalog?: CommandCatalog): Promise<Diagnostic[]> {
  const workflow = parsed.workflow;
  if (!workflow) return [];
  try {
    return await validate(parsed, workflow, level, catalog);
  } catch (err) {
    // A bug in Cairn must not look like a crash to the user: report it, with where.
    return [placed({ severity: 'error', code: 'DEF_INTERNAL', message: `internal error while validating: ${(err as Error).message}`, path: [] }, parsed.positions, parsed.path)];
  }
}

async function validate(parsed: ParsedDefinition, workflow: Workflow, level: ValidationLevel, catalog: CommandCatalog | undefined): Promise<Diagnostic[]> {
  const found: SiteDiagnostic[] = [];
  const add = (ds: Diagnostic[]) => found.push(...ds.map((diagnostic) => ({ diagnostic })));
  const rank = VALIDATION_LEVELS.indexOf(level);

  add(checkGraph(workflow, (path) => parsed.positions.locate(path)?.line));
  add(checkParameters(workflow));
  const sites = expressionSites(workflow, parsed.data);
  const { compiled, problems } = compileSites(sites);
  found.push(...problems);
  found.push(...checkTriggers(workflow));

  if (rank >= 1) {
    // Reference checks need an acyclic graph to know what is upstream.
    if (!found.some((f) => f.diagnostic.code === 'DEF_CYCLE')) found.push(...checkReferences(workflow, compiled));
    if (catalog) found.push(...checkCommands(workflow, catalog, parsed.data));
    add(checkTimeouts(workflow));
    add(checkPlacement(workflow));
  }
  if (rank >= 1 && catalog) add(checkRollbacks(workflow, catalog));
  if (rank >= 2) add(checkStrict(workflow, catalog));
  if (rank >= 3 && !hasErrors(found.map((f) => f.diagnostic))) {
    for (const site of sites) {
      if (site.kind !== 'if') continue;
      const expr = compiled.get(site);
      if (!expr || expr.references().length > 0) continue;
      // A condition that reads nothing is decided before the run starts: say which way.
      let value: unknown;
      try {
        value = await expr.evaluate({});
      } catch {
        continue;
      }
      found.push({
        diagnostic: {
          severity: 'warning',
          code: 'DEF_CONSTANT_CONDITION',
          message: `${describeSite(site)} reads no parameters or steps, so it is always ${isTruthy(value) ? 'true: the step always runs' : 'false: the step never runs'}`,
          path: site.path,
        },
        within: site.offset,
      });
    }
  }
  return found.map((f) => placed(f.diagnostic, parsed.positions, parsed.path, f.within));
}

function checkTimeouts(workflow: Workflow): Diagnostic[] {
  const out: Diagnostic[] = [];
  const long = (seconds: number, path: (string | number)[], what: string) =>
    out.push({
      severity: 'warning',
      code: 'DEF_TIMEOUT',
      message: `${what} timeout of ${seconds} s is more than a day; is that meant to be minutes?`,
      path,
    });
  if (workflow.timeoutSeconds !== undefined && workflow.timeoutSeconds > ONE_DAY_SECONDS) long(workflow.timeoutSeconds, ['timeout_seconds'], 'the workflow');
  workflow.steps.forEach((step, i) => {
    const t = step.timeoutSeconds;
    if (t === undefined) return;
    if (t > ONE_DAY_SECONDS) long(t, ['steps', i, 'timeout_seconds'], `step '${step.id}'`);
    if (workflow.timeoutSeconds !== undefined && t > workflow.timeoutSeconds) {
      out.push({
        severity: 'warning',
        code: 'DEF_TIMEOUT',
        message: `step '${step.id}' may run ${t} s, longer than the whole workflow's ${workflow.timeoutSeconds} s`,
        path: ['steps', i, 'timeout_seconds'],
      });
    }
  });
  return out;
}

function checkStrict(workflow: Workflow, catalog: CommandCatalog | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  const rollbackEnabled = workflow.rollbackEnabled === true;
  workflow.steps.forEach((step, i) => {
    if (step.timeoutSeconds === undefined && workflow.timeoutSeconds === undefined) {
      out.push({
        severity: 'warning',
        code: 'DEF_NO_TIMEOUT',
        message: `step '${step.id}' has no timeout_seconds and the workflow has none: it could run forever`,
        path: ['steps', i],
        fix: 'add timeout_seconds to the step or to the workflow',
      });
    }
    if (rollbackEnabled && catalog?.mutates(step.command) && step.rollback === undefined) {
      out.push({
        severity: 'warning',
        code: 'DEF_NO_ROLLBACK',
        message: `step '${step.id}' (${step.command}) changes the world and rollback_enabled is set, but it has no rollback`,
        path: ['steps', i],
        fix: 'add a `rollback:` step that undoes it',
      });
    }
  });
  return out;
}

/** A rollback runs an action: its command must exist and not wait for people or signals. */
function checkRollbacks(workflow: Workflow, catalog: CommandCatalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  workflow.steps.forEach((step, i) => {
    const command = step.rollback?.command;
    if (command === undefined) return;
    if (!catalog.has(command)) {
      out.push({ severity: 'error', code: 'DEF_UNKNOWN_COMMAND', message: `the rollback of step '${step.id}' uses unknown command '${command}'`, path: ['steps', i, 'rollback', 'command'], fix: `use one of: ${catalog.names().join(', ')}` });
    } else if (command === 'task' || command === 'approval' || command === 'wait' || command === 'workflow') {
      out.push({ severity: 'error', code: 'DEF_TYPE', message: `the rollback of step '${step.id}' must run an action; '${command}' waits for people, time or another run, which a rollback cannot yet do`, path: ['steps', i, 'rollback', 'command'], fix: 'use a shell, http or notify step that undoes it (notify can ask a person)' });
    }
  });
  return out;
}
