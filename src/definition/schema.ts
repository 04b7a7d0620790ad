import { z } from 'zod';

/**
 * The workflow format, once: validation, the JSON Schema (`cairn schema`) and the list of
 * known keys all come from here. Keys are snake_case as users write them; normalize.ts
 * turns a parsed value into the engine's camelCase `Workflow`.
 *
 * Top-level and step objects are loose: keys the schema does not know are checked by
 * keys.ts (a near-miss of a known key is an error, anything else is kept as metadata).
 */

export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,127}$/;
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;

/** A lock: `port:8113`, `host:db-1`, `db` (docs/locks.md). */
export const LOCK_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:/@-]{0,199}$/;
/** A pool's name, as configuration allows it (config/schema.ts CONFIG_NAME_PATTERN). */
export const POOL_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export const PARAMETER_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
export const TRIGGER_RULES = ['all_success', 'none_failed', 'all_done'] as const;
export const BACKOFFS = ['fixed', 'exponential'] as const;

/** Keys later issues give meaning to: accepted and kept in `extras` without a warning. */
export const LATER_WORKFLOW_KEYS = ['concurrency', 'estimated_duration'] as const;
export const LATER_STEP_KEYS = [] as const;

/** A worker label: `linux`, `gpu`, `region:eu-west-1` (docs/cluster.md). */
export const LABEL_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

function build() {
  const later = (what: string) => z.unknown().optional().describe(`${what} (reserved: kept as metadata until a later release gives it meaning)`);
  const durationError = 'expected a duration: seconds as a number, or a string such as "500ms", "2s", "1m", "1h"';
  const duration = z
    .union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, { error: durationError })], { error: durationError })
    .describe('A duration: seconds as a number, or a string such as "500ms", "2s", "1m", "1h".');
  // Only the type problem gets this message; range problems keep their own.
  const seconds = z.number({ error: (issue) => (issue.code === 'invalid_type' ? 'expected a number of seconds' : undefined) }).positive();
  const templateMap = (what: string) =>
    z.record(z.string().regex(NAME_PATTERN, { error: 'names are letters, digits, _ and -, starting with a letter or _' }), z.string({ error: 'expected a string (usually a ${{ }} template)' })).describe(what);
  const lockName = z
    .string({ error: 'expected a lock name such as port:8113' })
    .regex(LOCK_PATTERN, { error: 'a lock is a fixed name of letters, digits and _ . : / @ - (at most 200, no templates), such as port:8113 or host:db-1' })
    // One message per bad name: these run only on names of the right shape.
    .refine((name) => !LOCK_PATTERN.test(name) || !name.startsWith('pool:'), { error: 'names starting with pool: belong to pools: take a slot with `pool: NAME` on the step' })
    .refine((name) => !LOCK_PATTERN.test(name) || !name.startsWith('port:') || (/^[1-9]\d{0,4}$/.test(name.slice(5)) && Number(name.slice(5)) <= 65535), {
      error: (issue) => `a port lock is port:N with N a TCP port from 1 to 65535, found '${String(issue.input)}'`,
    });
  const locks = (what: string) => z.array(lockName, { error: 'expected a list of lock names such as [port:8113, host:db-1]' }).describe(what);
  const stringOrList = (error: string) => z.union([z.string(), z.array(z.string())], { error });
  const labelError = 'a label is letters, digits and _ . : - (at most 64), such as linux or region:eu';
  const label = z.string({ error: labelError }).regex(LABEL_PATTERN, { error: labelError });
  const runsOn = (what: string) =>
    z.union([label, z.array(label)], { error: 'expected worker labels: a label such as gpu, or a list such as [linux, gpu]' }).describe(what);

  const parameterSpec = z
    .strictObject({
      type: z.enum(PARAMETER_TYPES).optional().describe('The value type; inferred from `default` when omitted, else string.'),
      default: z.unknown().optional().describe('Value used when the run does not pass one.'),
      required: z.boolean().optional().describe('Must the run pass a value? Defaults to true when there is no default.'),
      enum: z.array(z.unknown()).min(1).optional().describe('The only values allowed.'),
      description: z.string().optional().describe('Shown in `cairn run --help`-style listings and forms.'),
    })
    .describe('A typed input of the workflow.');
  const parameter = z
    .union([parameterSpec, z.string(), z.number(), z.boolean()], { error: 'expected a parameter declaration {type, default, required, enum, description} or a default value' })
    .describe('A parameter declaration, or just its default value (string, number or boolean).');

  const retry = z
    .union(
      [
        z.int().min(1).max(100).describe('Shorthand: the total number of attempts.'),
        z
          .strictObject({
            max_attempts: z.int().min(1).max(100).optional().describe('Total tries including the first (default 1: no retry).'),
            backoff: z.enum(BACKOFFS).optional().describe('How the delay grows between attempts (default exponential).'),
            initial_delay: duration.optional().describe('Delay before the first retry (default 1s).'),
            max_delay: duration.optional().describe('Upper bound of any delay (default 60s).'),
            jitter: z.number().min(0).max(1).optional().describe('Fraction of each delay randomised away (0 to 1, default 0.2).'),
          })
          .describe('Retry policy.'),
      ],
      { error: 'expected a number of attempts or {max_attempts, backoff, initial_delay, max_delay, jitter}' },
    )
    .describe('Retry the step when it fails.');

  const step = z
    .looseObject({
      id: z.string({ error: 'every step needs an `id`' }).regex(ID_PATTERN, { error: 'a step id is letters, digits, _ and - (at most 128)' }).describe('Unique name of the step; other steps refer to it.'),
      command: z.string().min(1).optional().describe('What the step does: a built-in (shell, http, log, wait, ...) or a configured command. No command: a manual task for a person.'),
      description: z.string().optional().describe('One line saying what the step is for.'),
      parameters: z.record(z.string(), z.unknown(), { error: 'expected a mapping of parameter names to values' }).optional().describe("The command's parameters; strings may hold ${{ }} templates."),
      depends_on: stringOrList('expected a step id or a list of step ids').optional().describe('Steps that must finish first.'),
      if: z.union([z.string(), z.boolean()], { error: 'expected a condition: a JSONata expression or ${{ }} template' }).optional().describe('Run the step only when this JSONata expression is true, e.g. `parameters.env = "prod"`.'),
      for_each: z.union([z.string(), z.array(z.unknown())], { error: 'expected an expression giving a list, or a list' }).optional().describe('Fan out: one instance per item (an expression giving a list, or a literal list); instances see `item` and `index`.'),
      max_parallel: z.int().min(1).optional().describe('Instances of a for_each step that may run at once.'),
      retry: retry.optional(),
      timeout_seconds: seconds.optional().describe('Fail an attempt that runs longer than this.'),
      continue_on_error: z.boolean().optional().describe("Let the run go on when this step fails (dependents still see it as failed)."),
      trigger_rule: z.enum(TRIGGER_RULES).optional().describe('When the step may start: all_success (default), none_failed (skipped dependencies are fine), all_done (whatever happened).'),
      outputs: templateMap('Extra outputs: name -> template over `result` (the action outputs) and the run data.').optional(),
      rollback: z
        .strictObject({
          command: z.string().min(1).describe('The command that undoes the step (any action: shell, http, notify, ...).'),
          parameters: z.record(z.string(), z.unknown()).optional().describe("Its parameters; templates may read the step's outputs."),
          timeout_seconds: seconds.optional().describe('Fail the compensation when it takes longer.'),
          retry: retry.optional(),
        })
        .optional()
        .describe('What undoes this step when the run rolls back.'),
      locks: locks('Named resources held while the step runs, e.g. [port:8113, host:db-1]: one holder at a time across all runs. A port:N lock also checks that nothing listens on the port.').optional(),
      pool: z.string().regex(POOL_PATTERN, { error: 'a pool name is letters, digits, _ . and -, starting with a letter or _' }).optional().describe('A configured pool (cairn.yaml `pools:`) the step takes one slot of while it runs.'),
      runs_on: runsOn('Run the step on a worker (`cairn worker`) that has all these labels, instead of on the engine node; [] means any worker (docs/cluster.md).').optional(),
      phase: z.string().regex(ID_PATTERN, { error: 'a phase name is letters, digits, _ and -' }).optional().describe('The phase this step belongs to (one of the workflow\'s `phases`).'),
      checkpoint: z.boolean().optional().describe('A point `cairn rollback --strategy checkpoint` goes back to: this step and those before it are kept.'),
    })
    .describe('One step of the workflow.');

  const approvalOptions = z
    .strictObject({
      required: z.int().min(1).optional().describe('How many distinct people must approve (default 1).'),
      approvers: z.array(z.string()).optional().describe('Who may approve (names; roles arrive with API keys).'),
      self_approval: z.boolean().optional().describe('May the person who started the run approve it? (default true)'),
      instructions: z.string().optional().describe('What the approver should check.'),
    })
    .describe('Approval options.');
  const phaseEntry = z.union([
    z.string().regex(ID_PATTERN, { error: 'a phase name is letters, digits, _ and -' }),
    z.strictObject({
      name: z.string().regex(ID_PATTERN, { error: 'a phase name is letters, digits, _ and -' }),
      description: z.string().optional(),
      approval: z.union([z.boolean(), approvalOptions]).optional().describe('Ask for an approval before the next phase starts.'),
    }),
  ]);

  const triggerParameters = (what: string) => z.record(z.string(), z.unknown(), { error: 'expected a mapping of parameter names to values' }).describe(what);
  const trigger = z
    .strictObject({
      cron: z.string({ error: 'expected a cron expression such as "0 3 * * *"' }).optional().describe('When to start a run: 5 fields (minute hour day month weekday), or 6 with seconds first, e.g. "0 3 * * *" (croner syntax).'),
      timezone: z.string({ error: 'expected an IANA time zone such as Europe/Berlin' }).optional().describe('The time zone the cron fields are read in, e.g. Europe/Berlin (default UTC).'),
      webhook: z
        .strictObject({
          secret: z.string({ error: 'a webhook trigger needs a secret: `secret: ${env:NAME}` naming the environment variable that holds it (whsec_...)' }).describe('The Standard Webhooks signing secret, as ${env:NAME}: the variable holds whsec_...'),
        })
        .optional()
        .describe('Start a run when a signed message (Standard Webhooks) arrives at POST /api/v1/hooks/{workflow}.'),
      parameters: triggerParameters('Parameters of the runs it starts. For a webhook, values may be ${{ }} templates over `body` (the JSON payload) and `headers`.').optional(),
      description: z.string().optional().describe('What the trigger is for.'),
    })
    .superRefine((t, ctx) => {
      if (t.cron === undefined && t.webhook === undefined) ctx.addIssue({ code: 'custom', message: 'a trigger needs `cron:` (a schedule) or `webhook:` (signed messages)', path: [] });
      else if (t.cron !== undefined && t.webhook !== undefined) ctx.addIssue({ code: 'custom', message: 'a trigger is either `cron:` or `webhook:`, not both: write two triggers', path: [] });
      else if (t.webhook !== undefined && t.timezone !== undefined) ctx.addIssue({ code: 'custom', message: '`timezone` only applies to a cron trigger', path: ['timezone'] });
    })
    .meta({ oneOf: [{ required: ['cron'] }, { required: ['webhook'] }] })
    .describe('A cron schedule or a webhook that starts runs.');

  return z
    .looseObject({
      name: z.string().min(1).optional().describe('Human name of the workflow. At least one of name and id is required.'),
      id: z.string().regex(ID_PATTERN, { error: 'an id is letters, digits, _ and - (at most 128)' }).optional().describe('Stable identifier; derived from the name when omitted.'),
      workflow_id: z.string().regex(ID_PATTERN, { error: 'an id is letters, digits, _ and - (at most 128)' }).optional().describe('Another spelling of `id` (as in existing definitions).'),
      version: z.union([z.string(), z.number()], { error: 'expected a version string or number' }).optional().describe('Version of the definition (default "1").'),
      description: z.string().optional().describe('What the workflow does.'),
      category: z.string().optional().describe('A grouping such as maintenance or deployment.'),
      tags: z.array(z.string()).optional().describe('Free-form labels.'),
      parameters: z.record(z.string().regex(NAME_PATTERN, { error: 'a parameter name is letters, digits, _ and -, starting with a letter or _' }), parameter).optional().describe('Typed inputs, by name.'),
      steps: z.array(step, { error: 'expected a list of steps' }).min(1, { error: 'a workflow needs at least one step' }).describe('The steps; they run in dependency order, in parallel where they can.'),
      timeout_seconds: seconds.optional().describe('Fail the run when it takes longer than this.'),
      max_parallel: z.int().min(1).optional().describe('Steps of one run that may run at once.'),
      outputs: templateMap('Run outputs: name -> template over parameters and step outputs.').optional(),
      phases: z
        .array(phaseEntry, { error: 'expected a list of phase names or {name, approval} entries' })
        .min(1)
        .optional()
        .describe('Ordered phases: a phase starts when every step of the previous one has passed (and its approval, if it asks for one).'),
      triggers: z.array(trigger, { error: 'expected a list of triggers such as [{cron: "0 3 * * *"}]' }).optional().describe('Cron schedules and webhooks that start runs (docs/triggers.md).'),
      approval_required: z
        .union([z.boolean(), approvalOptions], { error: 'expected true/false or {required, approvers, self_approval}' })
        .optional()
        .describe('Wait for an approval (a step named `approve`) before the first step runs.'),
      rollback_enabled: z.boolean().optional().describe('When the run fails, compensate its completed steps (their `rollback`), most recent first.'),
      concurrency: later('Limits on concurrent runs'),
      locks: locks('Named resources every step of the run holds while it runs (shared by the steps of one run, exclusive across runs).').optional(),
      runs_on: runsOn('Default `runs_on` of every step that can run on a worker (shell, http, mcp, notify, log, wait); a step\'s own `runs_on` wins.').optional(),
      on_failure: z.enum(['fail', 'rollback']).optional().describe('What happens when the run fails: fail (default) or rollback (same as rollback_enabled: true).'),
      estimated_duration: later('Expected duration, for planning'),
    })
    .describe('A Cairn workflow definition.');
}

export type WorkflowSchema = ReturnType<typeof build>;
export type WorkflowInput = z.infer<WorkflowSchema>;
export type StepInput = WorkflowInput['steps'][number];
export type ParameterInput = NonNullable<WorkflowInput['parameters']>[string];

let built: WorkflowSchema | undefined;

/** Built on first use so importing this module stays cheap. */
export function workflowSchema(): WorkflowSchema {
  built ??= build();
  return built;
}

export function workflowKeys(): string[] {
  return Object.keys(workflowSchema().shape);
}

export function stepKeys(): string[] {
  return Object.keys(workflowSchema().shape.steps.element.shape);
}
