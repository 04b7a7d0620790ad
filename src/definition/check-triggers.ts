import { Cron } from 'croner';
import type { CronTrigger, ParameterSpec, Trigger, WebhookTrigger, Workflow } from '../engine/types.js';
import { compileExpression } from '../expressions/compile.js';
import { ExpressionError } from '../expressions/errors.js';
import { findTemplates, hasTemplate } from '../expressions/template.js';
import type { SiteDiagnostic } from './check-expressions.js';
import { isOfType } from './check-parameters.js';
import type { Diagnostic } from './diagnostic.js';
import { describe, label } from './issues.js';
import { closestName, didYouMean, listNames } from './suggest.js';

/** What a webhook trigger's templates read: the JSON payload and the request headers. */
export const HOOK_CONTEXT_ROOTS = ['body', 'headers'] as const;

/** `${env:NAME}` and nothing else: where a webhook secret comes from. */
export const SECRET_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

type Path = (string | number)[];

/**
 * Basic level: every trigger can work. A cron expression parses and fires some day, its
 * time zone exists, a webhook secret comes from the environment, webhook templates compile
 * and read only `body` and `headers`, and the parameters a trigger passes are declared, of
 * the declared type, and cover every required parameter without a default.
 */
export function checkTriggers(workflow: Workflow): SiteDiagnostic[] {
  const out: SiteDiagnostic[] = [];
  (workflow.triggers ?? []).forEach((trigger, i) => {
    const base: Path = ['triggers', i];
    if (trigger.kind === 'cron') out.push(...checkCron(trigger, base));
    else out.push(...checkWebhook(trigger, base));
    out.push(...checkParameters(trigger, workflow.parameters, base));
  });
  return out;
}

function error(code: Diagnostic['code'], message: string, path: Path, fix?: string, within?: number): SiteDiagnostic {
  const found: SiteDiagnostic = { diagnostic: { severity: 'error', code, message, path, ...(fix ? { fix } : {}) } };
  if (within !== undefined) found.within = within;
  return found;
}

const CRON_FIX = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 every day); or six with seconds first, e.g. "*/10 * * * * *"';

function checkCron(trigger: CronTrigger, base: Path): SiteDiagnostic[] {
  const out: SiteDiagnostic[] = [];
  const zone = trigger.timezone;
  const zoneKnown = zone === undefined || isTimeZone(zone);
  if (!zoneKnown) {
    const near = closestName(zone, timeZones());
    out.push(error('DEF_TIMEZONE', `unknown time zone '${zone}'.${near ? ` Did you mean '${near}'?` : ''}`.replace(/\.$/, ''), [...base, 'timezone'], near ? `timezone: ${near}` : 'an IANA name such as Europe/Berlin, America/New_York or UTC'));
  }
  const path = [...base, 'cron'];
  const question = trigger.cron.indexOf('?');
  if (question >= 0) {
    // croner replaces `?` with the current time when it reads the pattern: the schedule
    // would change each time the definition is read.
    out.push(error('DEF_CRON', `'?' in a cron expression means "the time when the definition is read", which changes each time Cairn reads it`, path, 'write the value (or * for any)', question));
    return out;
  }
  let job: Cron;
  try {
    job = new Cron(trigger.cron, { paused: true, ...(zone !== undefined && zoneKnown ? { timezone: zone } : { timezone: 'UTC' }) });
  } catch (err) {
    out.push(error('DEF_CRON', `'${trigger.cron}' is not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`, path, CRON_FIX));
    return out;
  }
  if (job.nextRun() === null) out.push(error('DEF_CRON', `'${trigger.cron}' never fires (no such date before the year 3000)`, path, CRON_FIX));
  return out;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let zones: string[] | undefined;
function timeZones(): string[] {
  zones ??= typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return zones;
}

function checkWebhook(trigger: WebhookTrigger, base: Path): SiteDiagnostic[] {
  const out: SiteDiagnostic[] = [];
  const path = [...base, 'webhook', 'secret'];
  const secret = trigger.secret.trim();
  if (!SECRET_REFERENCE.test(secret)) {
    const literal = !secret.includes('${');
    out.push(
      error(
        'DEF_TRIGGER_SECRET',
        literal
          ? 'a webhook secret must not be written in the definition (definitions are stored and shown to whoever may read workflows): name the environment variable that holds it'
          : 'a webhook secret is exactly one ${env:NAME} reference, with nothing around it',
        path,
        'secret: ${env:DEPLOY_HOOK_SECRET}, and set DEPLOY_HOOK_SECRET=whsec_... where Cairn runs',
      ),
    );
  }
  for (const ref of findTemplates(trigger.parameters)) {
    const at = [...base, 'parameters', ...ref.path];
    let expr;
    try {
      if (ref.error) throw ref.error;
      expr = compileExpression(ref.expression);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      const within = ref.error ? err.offset : ref.offset + err.offset;
      out.push(error('DEF_BAD_EXPRESSION', `the template in ${label(at)}: ${err.message}`, at, undefined, within));
      continue;
    }
    for (const read of expr.references()) {
      if ((HOOK_CONTEXT_ROOTS as readonly string[]).includes(read.root)) continue;
      out.push(
        error(
          'DEF_UNKNOWN_NAME',
          `the template in ${label(at)} reads '${read.root}'; a webhook trigger's templates read ${listNames(HOOK_CONTEXT_ROOTS)} (the JSON payload and the request headers).${didYouMean(read.root, HOOK_CONTEXT_ROOTS)}`,
          at,
          undefined,
          ref.offset + read.offset,
        ),
      );
    }
  }
  return out;
}

function checkParameters(trigger: Trigger, specs: Record<string, ParameterSpec>, base: Path): SiteDiagnostic[] {
  const out: SiteDiagnostic[] = [];
  const names = Object.keys(specs);
  const what = trigger.kind === 'cron' ? 'this cron trigger' : 'this webhook trigger';
  for (const [name, value] of Object.entries(trigger.parameters)) {
    const at = [...base, 'parameters', name];
    const spec = specs[name];
    if (!spec) {
      const near = closestName(name, names);
      out.push(
        error(
          'DEF_TRIGGER_PARAMETER',
          `${what} passes parameter '${name}', which the workflow does not declare; it declares ${names.length ? listNames(names) : 'no parameters'}.${near ? ` Did you mean '${near}'?` : ''}`,
          at,
          near ? `rename it to '${near}'` : `declare it under \`parameters:\` (e.g. ${name}: {type: string})`,
        ),
      );
      continue;
    }
    if (trigger.kind === 'cron' && findTemplates(value).length > 0) {
      out.push(error('DEF_TEMPLATE_NOT_ALLOWED', `a cron trigger's parameters are fixed values; '${name}' holds a \${{ }} template, which only webhook triggers render`, at, 'write the value itself'));
      continue;
    }
    const problem = typeProblem(spec, value);
    if (problem) out.push(error('DEF_TRIGGER_PARAMETER', `${what} passes ${problem.given} as parameter '${name}', ${problem.why}`, at));
  }
  const missing = Object.entries(specs).filter(([name, spec]) => spec.required && spec.default === undefined && !(name in trigger.parameters));
  if (missing.length > 0) {
    const list = missing.map(([name]) => name);
    out.push(
      error(
        'DEF_TRIGGER_PARAMETER',
        `${what} does not pass the required parameter${list.length === 1 ? '' : 's'} ${listNames(list)}, so every run it starts would be refused`,
        Object.keys(trigger.parameters).length > 0 ? [...base, 'parameters'] : base,
        trigger.kind === 'cron' ? `parameters: { ${list.map((n) => `${n}: ...`).join(', ')} }` : `parameters: { ${list.map((n) => `${n}: "\${{ body.${n} }}"`).join(', ')} }`,
      ),
    );
  }
  return out;
}

/** Why a value as written cannot be the parameter's value, or undefined when it can (or may). */
function typeProblem(spec: ParameterSpec, value: unknown): { given: string; why: string } | undefined {
  if (typeof value === 'string' && hasTemplate(value)) {
    // A whole template keeps the type of what it reads: only the run can tell.
    const refs = findTemplates(value);
    if (refs.length === 1 && refs[0]?.whole) return undefined;
    return spec.type === 'string' ? undefined : { given: 'text with a template in it', why: `which makes a string, but the parameter is ${article(spec.type)}` };
  }
  if (!isOfType(spec.type, value)) return { given: describe(value), why: `but the parameter is ${article(spec.type)}` };
  if (spec.enum && !hasTemplateInside(value) && !spec.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    return { given: describe(value), why: `which allows only ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}` };
  }
  return undefined;
}

function hasTemplateInside(value: unknown): boolean {
  return findTemplates(value).length > 0;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
