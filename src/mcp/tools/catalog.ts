import { z } from 'zod';
import { autocompleteSequence, prefillFor, suggestWorkflows } from '../../app/suggestions.js';
import { definition, definitionText, format, revision, workflowId } from '../arguments.js';
import { answer } from '../result.js';
import { tool, type AnyTool } from '../tool.js';

const LEVELS = ['basic', 'standard', 'strict', 'paranoid'] as const;
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/** Stored workflows: list, check, store, find the right one. */
export const catalogTools: AnyTool[] = [
  tool({
    name: 'workflow_list',
    title: 'List stored workflows',
    description:
      'List the workflows stored in Cairn (newest revision of each), optionally of one category. ' +
      'Use it first, to find the workflow_id to run. Returns each workflow\'s id, name, description, category, tags, revision, ' +
      'step count and declared parameters (type, default, required). Next: workflow_execute with dry_run: true to see what a ' +
      'workflow would do, then workflow_execute to run it; workflow_suggest finds workflows by intent.',
    input: z.strictObject({ category: z.string().min(1).max(100).optional().describe('Only workflows of this category') }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const workflows = await ctx.cairn.catalog.list(args.category ? { category: args.category } : {});
      const names = workflows.map((w) => `${w.id} (revision ${w.revision}, ${w.steps} step${w.steps === 1 ? '' : 's'})`);
      return answer(workflows.length === 0 ? 'No stored workflows. Store one with workflow_create.' : `${workflows.length} stored workflow(s): ${names.join(', ')}.`, { workflows });
    },
  }),
  tool({
    name: 'workflow_validate',
    title: 'Validate a workflow definition',
    description:
      'Check a workflow definition (YAML/JSON text or object) or a stored workflow, at a level: basic (schema, ids, graph), ' +
      'standard (+ commands exist, parameter types; what a run needs), strict (+ locks, security rules, rollback for ' +
      'state-changing steps), paranoid (+ a simulated run: the plan, and connectivity of HTTP targets). Nothing is stored or run. ' +
      'Returns valid, and diagnostics with line, column, code, message and a suggested fix; paranoid also returns the plan. ' +
      'Next: fix the diagnostics and validate again, then workflow_create to store it.',
    input: z
      .strictObject({
        workflow_definition: definition.optional(),
        workflow_id: workflowId.optional().describe('Validate this stored workflow instead of a definition'),
        revision: revision.optional(),
        format: format.optional(),
        level: z.enum(LEVELS).optional().describe('How thorough (default: standard, or defaults.validation_level in cairn.yaml)'),
      })
      .refine((a) => (a.workflow_definition === undefined) !== (a.workflow_id === undefined), { error: 'give either workflow_definition or workflow_id' }),
    annotations: { ...READ_ONLY, openWorldHint: true },
    access: 'viewer',
    handler: async (args, ctx) => {
      let text: { text: string; format?: 'yaml' | 'json' };
      let label = 'definition';
      if (args.workflow_id !== undefined) {
        const stored = await ctx.cairn.catalog.get(args.workflow_id, args.revision);
        text = { text: stored.source, format: stored.format };
        label = args.workflow_id;
      } else {
        text = definitionText(args.workflow_definition ?? '', args.format);
      }
      const report = await ctx.cairn.validateText(text.text, { label, ...(text.format ? { format: text.format } : {}), ...(args.level ? { level: args.level } : {}) });
      const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = report.diagnostics.length - errors;
      const summary = report.valid
        ? `Valid at the ${report.level} level${warnings > 0 ? ` (${warnings} warning(s))` : ''}.${report.workflow ? ` Workflow id '${report.workflow.id}'.` : ''} Next: workflow_create to store it, or workflow_execute.`
        : `Not valid at the ${report.level} level: ${errors} error(s), ${warnings} warning(s); each diagnostic below says where and how to fix it.`;
      return answer(summary, { valid: report.valid, level: report.level, diagnostics: report.diagnostics, ...(report.plan ? { plan: report.plan } : {}) });
    },
  }),
  tool({
    name: 'workflow_create',
    title: 'Store a workflow',
    description:
      'Store a workflow definition (YAML/JSON text or object) so it can be run by id. It is validated at the standard level ' +
      'first; an invalid one is refused with its diagnostics and nothing is stored. A changed body under an existing id becomes ' +
      'that workflow\'s next revision (nothing is overwritten; runs keep the body they started with); the same body again is ' +
      'not a new revision. Needs the admin role. Returns the stored workflow (id, revision, parameters) and created. ' +
      'Next: workflow_execute with its id (dry_run: true first to see the plan).',
    input: z.strictObject({ workflow_definition: definition, format: format.optional() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    access: 'admin',
    handler: async (args, ctx) => {
      const result = await ctx.cairn.catalog.create(definitionText(args.workflow_definition, args.format));
      if (result.created) ctx.catalogChanged?.();
      const w = result.workflow;
      return answer(
        `${result.created ? 'Stored' : 'Already stored:'} workflow '${w.id}' revision ${w.revision}. Next: workflow_execute with workflow_id '${w.id}' (dry_run: true shows the plan first).`,
        { workflow: w, created: result.created },
      );
    },
  }),
  tool({
    name: 'workflow_suggest',
    title: 'Suggest workflows',
    description:
      'Find the workflows (built-in templates as template:NAME, and stored ones) that fit what you are doing: give a context ' +
      '(the situation), an intent (what you want done) and/or recent_commands (commands or workflows you ran, comma-separated, ' +
      'oldest first). Ranked best first by text relevance (BM25 over names, descriptions, tags, step descriptions and the memory ' +
      'notes of past runs), the sequence of recent commands (workflows whose steps continue it, and what usually ran next in ' +
      'history) and each workflow\'s real success rate and recency. Each suggestion has workflow (the id workflow_execute takes), ' +
      'score (0..1) and reasons in words; completions lists workflows continuing recent_commands; prefill gives the best one\'s ' +
      'parameters with the values its successful runs used most (with counts) and defaults. Next: workflow_execute.',
    input: z
      .strictObject({
        context: z.string().max(2000).optional(),
        intent: z.string().max(2000).optional(),
        recent_commands: z.string().max(2000).optional().describe('Commands run recently, comma-separated, oldest first, e.g. "hv-status,hv-broadcast"'),
        limit: z.number().int().min(1).max(50).optional().describe('How many (default 5)'),
      })
      .refine((a) => [a.context, a.intent, a.recent_commands].some((v) => (v ?? '').trim() !== ''), { error: 'give a context, an intent or recent_commands' }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const limit = args.limit ?? 5;
      const recent = splitCommands(args.recent_commands ?? '');
      const suggestions = await suggestWorkflows(ctx.cairn, { ...(args.context ? { context: args.context } : {}), ...(args.intent ? { intent: args.intent } : {}), recent, limit });
      const completions = recent.length > 0 ? completionsView((await autocompleteSequence(ctx.cairn, recent, limit)).workflows) : [];
      const best = suggestions[0];
      // The best one's parameters, pre-filled from its successful runs, ready for workflow_execute.
      const prefill = best ? await prefillFor(ctx.cairn, best.workflow) : undefined;
      return answer(
        best ? `Best fit: '${best.workflow}' (${best.reasons.join('; ')}). Also: ${suggestions.slice(1).map((s) => s.workflow).join(', ') || 'none'}.` : 'No workflow fits; workflow_list shows them all.',
        { suggestions, completions, ...(prefill ? { prefill } : {}) },
      );
    },
  }),
  tool({
    name: 'workflow_autocomplete',
    title: 'Complete a command sequence',
    description:
      'Given the commands you ran so far (partial_sequence, e.g. "hv-status,hv-broadcast"), return the likely next commands ' +
      '(next, weighted by how often the workflows that run them ran) and the workflows that run your sequence in that order ' +
      '(completions: the following steps with their commands; those starting with it first). The longest matching tail of ' +
      'your sequence counts (score = matched / given). Next: workflow_execute the workflow.',
    input: z.strictObject({
      partial_sequence: z
        .union([z.string().min(1).max(2000), z.array(z.string().min(1).max(200)).min(1).max(100)])
        .describe('Commands in the order they ran: comma-separated text, or a list'),
      limit: z.number().int().min(1).max(50).optional().describe('How many workflows (default 5)'),
    }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const sequence = typeof args.partial_sequence === 'string' ? splitCommands(args.partial_sequence) : args.partial_sequence;
      const result = await autocompleteSequence(ctx.cairn, sequence, args.limit ?? 5);
      const completions = completionsView(result.workflows);
      const first = completions[0];
      return answer(
        first ? `${completions.length} workflow(s) continue it; best: '${first.workflow.id}', next ${first.next.map((n) => n.command).join(', ') || '(nothing: it ends there)'}.` : 'No workflow runs that sequence.',
        { sequence, next: result.next, completions },
      );
    },
  }),
  tool({
    name: 'workflow_analytics',
    title: 'Run analytics',
    description:
      'Real figures from Cairn\'s event log, never estimates: per workflow the number of runs, successes, failures, success rate ' +
      '(succeeded / finished), p50/p95/max duration, the steps that fail most with their most frequent error messages, automatic ' +
      'retries, and time spent waiting for tasks and approvals; global totals; and runs over time by outcome. Reads the newest ' +
      '`sample` runs (default 5000), optionally of one workflow and since a time. With no history it says so (`empty: true`). ' +
      'Use it to judge whether a workflow is reliable before running it, or which step to fix first.',
    input: z.strictObject({
      sample: z.number().int().min(1).max(100_000).optional().describe('How many of the newest runs are read (default 5000)'),
      workflow_id: z.string().min(1).max(200).optional().describe('Only runs of this workflow'),
      since: z.string().min(1).max(100).optional().describe('Only runs created since: a duration back from now (24h, 7d, 2w) or a date (2026-11-01)'),
    }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const report = await ctx.cairn.analytics({
        limit: args.sample ?? 5_000,
        ...(args.workflow_id !== undefined ? { workflowId: args.workflow_id } : {}),
        ...(args.since !== undefined ? { since: args.since } : {}),
      });
      return answer(report.summary, { ...report });
    },
  }),
];

/** Completions with the workflow as an object, as this tool has always answered. */
function completionsView(workflows: Awaited<ReturnType<typeof autocompleteSequence>>['workflows']) {
  return workflows.map(({ workflow, name, ...rest }) => ({ workflow: { id: workflow, name }, ...rest }));
}

function splitCommands(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}
