import { z } from 'zod';
import { suggestFrom } from '../../app/index.js';
import { completeSequence } from '../../app/sequences.js';
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
      'Find stored workflows that fit what you are doing: give a context (the situation), an intent (what you want done) ' +
      'and/or recent_commands (commands you ran, comma-separated). Returns suggestions ranked by how many of your words ' +
      'the workflow\'s id, name, description, category and tags cover (score 0..1, with the matched words), and, for ' +
      'recent_commands, workflows that continue that sequence of commands. Next: workflow_execute with the chosen workflow_id.',
    input: z
      .strictObject({
        context: z.string().max(2000).optional(),
        intent: z.string().max(2000).optional(),
        recent_commands: z.string().max(2000).optional().describe('Commands run recently, comma-separated, e.g. "hv-status,hv-broadcast"'),
        limit: z.number().int().min(1).max(50).optional().describe('How many (default 5)'),
      })
      .refine((a) => [a.context, a.intent, a.recent_commands].some((v) => (v ?? '').trim() !== ''), { error: 'give a context, an intent or recent_commands' }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const limit = args.limit ?? 5;
      const suggestions = suggestFrom(await ctx.cairn.catalog.list(), { context: `${args.context ?? ''} ${args.recent_commands ?? ''}`, ...(args.intent ? { intent: args.intent } : {}) }, limit);
      const completions = args.recent_commands ? await completeSequence(ctx.cairn, splitCommands(args.recent_commands), limit) : [];
      const ids = [...new Set([...suggestions.map((s) => s.workflow.id), ...completions.map((c) => c.workflow.id)])];
      return answer(ids.length === 0 ? 'No stored workflow fits; workflow_list shows them all.' : `Workflows that fit: ${ids.join(', ')}.`, { suggestions, completions });
    },
  }),
  tool({
    name: 'workflow_autocomplete',
    title: 'Complete a command sequence',
    description:
      'Given the commands you ran so far (partial_sequence, e.g. "hv-status,hv-broadcast"), find the stored workflows that run ' +
      'them in that order and return what each runs next: the following steps with their commands, and the workflow to run ' +
      'them all. The longest matching tail of your sequence counts (score = matched / given). Next: workflow_execute the workflow.',
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
      const completions = await completeSequence(ctx.cairn, sequence, args.limit ?? 5);
      const first = completions[0];
      return answer(
        first ? `${completions.length} workflow(s) continue it; best: '${first.workflow.id}', next ${first.next.map((n) => n.command).join(', ') || '(nothing: it ends there)'}.` : 'No stored workflow runs that sequence.',
        { sequence, completions },
      );
    },
  }),
  tool({
    name: 'workflow_analytics',
    title: 'Run analytics',
    description:
      'Real figures from Cairn\'s history: how many runs are in each status, and per workflow the number of runs, successes, ' +
      'failures, success rate (succeeded / finished) and mean duration, over the newest `sample` runs (default 5000). ' +
      'Use it to judge whether a workflow is reliable before running it.',
    input: z.strictObject({ sample: z.number().int().min(1).max(100_000).optional().describe('How many of the newest runs the per-workflow figures cover') }),
    annotations: READ_ONLY,
    access: 'viewer',
    handler: async (args, ctx) => {
      const analytics = await ctx.cairn.analytics(args.sample ?? 5_000);
      const total = Object.values(analytics.runs).reduce((a, b) => a + (b ?? 0), 0);
      return answer(`${total} run(s) in the store; figures for ${analytics.workflows.length} workflow(s) over the newest ${analytics.sample}.`, { ...analytics });
    },
  }),
];

function splitCommands(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
}
