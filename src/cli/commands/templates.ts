import pc from 'picocolors';
import { listTemplates, templatesDir, type TemplateSummary } from '../../app/templates.js';
import { EXIT } from '../exit.js';
import { table } from '../format.js';

/** `cairn templates`: the built-in workflow templates, runnable as `cairn run template:NAME`. */
export default async function templates(opts: { json?: boolean }): Promise<number> {
  const list = listTemplates();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(list.map(templateJson), null, 2)}\n`);
    return EXIT.ok;
  }
  if (list.length === 0) {
    process.stdout.write(pc.dim(`no templates in ${templatesDir()}\n`));
    return EXIT.ok;
  }
  const rows = [[pc.dim('workflow'), pc.dim('category'), pc.dim('description')]];
  for (const t of list) rows.push([t.workflow, t.category ?? '', headline(t.description ?? '')]);
  process.stdout.write(`${table(rows)}\n\n${pc.dim('run one: cairn run template:NAME [-p key=value]; its parameters: cairn templates --json')}\n`);
  return EXIT.ok;
}

/** A table row keeps to the description's lead ("Handle an incident or outage: ..."); --json has all of it. */
function headline(description: string): string {
  const lead = description.split(': ')[0] ?? description;
  return lead.length <= 70 ? lead : `${lead.slice(0, 69)}…`;
}

/** The `--json` contract: snake_case, each parameter with its type, default and whether it is required. */
function templateJson(t: TemplateSummary): Record<string, unknown> {
  return {
    workflow: t.workflow,
    name: t.name,
    description: t.description ?? null,
    category: t.category ?? null,
    tags: t.tags,
    parameters: Object.fromEntries(
      Object.entries(t.parameters).map(([name, p]) => [
        name,
        { type: p.type, required: p.required, ...(p.default !== undefined ? { default: p.default } : {}), ...(p.enum ? { enum: p.enum } : {}), ...(p.description ? { description: p.description } : {}) },
      ]),
    ),
    steps: t.steps,
    path: t.path,
  };
}
