import type { Workflow } from '../engine/types.js';
import { findTemplates, hasTemplate } from '../expressions/template.js';
import type { CommandCatalog } from './catalog.js';
import type { SiteDiagnostic } from './check-expressions.js';
import type { Diagnostic } from './diagnostic.js';
import { issueDiagnostics, valueAt } from './issues.js';
import { MANUAL_COMMAND } from './normalize.js';
import { closestName, listNames } from './suggest.js';

/**
 * Standard level: every step's command exists, its literal parameters satisfy the
 * command's schema (values that are templates are checked when the step starts), and no
 * template sits where the command forbids one.
 */
export function checkCommands(workflow: Workflow, catalog: CommandCatalog, data: Record<string, unknown> | undefined): SiteDiagnostic[] {
  const out: SiteDiagnostic[] = [];
  const push = (diagnostic: Diagnostic, within?: number) => out.push(within === undefined ? { diagnostic } : { diagnostic, within });
  workflow.steps.forEach((step, i) => {
    // A command Cairn added itself (an `approval_required` step) counts as written.
    const written = step.command !== MANUAL_COMMAND || valueAt(data, ['steps', i, 'command']) !== undefined;
    if (!catalog.has(step.command)) {
      push(unknownCommand(step.id, step.command, written, i, catalog));
      return;
    }
    const schema = catalog.parameters(step.command);
    if (schema) {
      let result: ReturnType<typeof schema.safeParse> | undefined;
      try {
        result = schema.safeParse(step.parameters);
      } catch {
        result = undefined; // a schema whose refinement throws on odd input: checked at run time
      }
      if (result && !result.success) {
        const issues = result.error.issues.filter((issue) => !templatedAlong(step.parameters, issue.path));
        for (const d of issueDiagnostics(issues, step.parameters, ['steps', i, 'parameters'], 'DEF_COMMAND_PARAMETERS')) {
          push({ ...d, message: `step '${step.id}' (${step.command}): ${d.message}` });
        }
      }
    }
    for (const [name, reason] of Object.entries(catalog.noTemplates(step.command) ?? {})) {
      for (const ref of findTemplates(step.parameters[name])) {
        push(
          {
            severity: 'error',
            code: 'DEF_TEMPLATE_NOT_ALLOWED',
            message: `step '${step.id}': a template is not allowed in '${name}' of command '${step.command}'`,
            path: ['steps', i, 'parameters', name, ...ref.path],
            fix: reason,
          },
          ref.offset,
        );
      }
    }
  });
  return out;
}

function unknownCommand(stepId: string, command: string, written: boolean, i: number, catalog: CommandCatalog): Diagnostic {
  const known = catalog.names();
  const near = closestName(command, known);
  const mapIt = `map it to a built-in under \`commands:\` in cairn.yaml (configuration arrives in a later release)`;
  if (!written) {
    return {
      severity: 'error',
      code: 'DEF_UNKNOWN_COMMAND',
      message: `step '${stepId}' has no command, so it is a manual '${MANUAL_COMMAND}' for a person, but this Cairn has no '${MANUAL_COMMAND}' command; known commands: ${listNames(known, 30)}`,
      path: ['steps', i],
      fix: `give the step a command, or ${mapIt}`,
    };
  }
  return {
    severity: 'error',
    code: 'DEF_UNKNOWN_COMMAND',
    message: `step '${stepId}': unknown command '${command}'.${near ? ` Did you mean '${near}'?` : ''} Known commands: ${listNames(known, 30)}`,
    path: ['steps', i, 'command'],
    fix: near ? `command: ${near}` : `use a known command, or ${mapIt}`,
  };
}

/** Is the value at `path`, or any value on the way to it, a template? Then it is checked later. */
function templatedAlong(root: unknown, path: readonly PropertyKey[]): boolean {
  let node = root;
  if (hasTemplate(node)) return true;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PropertyKey, unknown>)[segment];
    if (hasTemplate(node)) return true;
  }
  return false;
}
