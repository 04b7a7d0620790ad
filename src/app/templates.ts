import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDefinition } from '../definition/index.js';
import type { ParameterSpec } from '../engine/types.js';
import { CairnError } from './errors.js';

/**
 * The built-in templates: the YAML files in the package's `templates/` folder, runnable as
 * `cairn run template:NAME` (docs/templates.md).
 */

/** How a workflow reference names a built-in template: `template:incident-response`. */
export const TEMPLATE_PREFIX = 'template:';

export interface TemplateSummary {
  /** The reference `cairn run` accepts: `template:NAME`. */
  workflow: string;
  /** The file name without `.yaml`; also the workflow's id. */
  name: string;
  description?: string;
  category?: string;
  tags: string[];
  parameters: Record<string, ParameterSpec>;
  steps: number;
  /** The file shipped with the package. */
  path: string;
}

const TEMPLATE_FILE = /^([a-z0-9][a-z0-9-]*)\.yaml$/;

let folder: string | undefined;

/**
 * The package's `templates/` folder. The code runs from `src/app/` (tests), `dist/app/`
 * (tsc) or `dist/bundle/` (esbuild): walk up from this module to the folder holding
 * package.json, which is the package root in all three, installed or not.
 */
export function templatesDir(): string {
  if (folder !== undefined) return folder;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the Cairn package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  folder = join(dir, 'templates');
  return folder;
}

export function isTemplateRef(file: string): boolean {
  return file.startsWith(TEMPLATE_PREFIX);
}

/** The names of the built-in templates, sorted. */
export function templateNames(): string[] {
  let files: string[];
  try {
    files = readdirSync(templatesDir());
  } catch {
    return [];
  }
  return files.flatMap((f) => TEMPLATE_FILE.exec(f)?.[1] ?? []).sort();
}

/** The file of `template:NAME`; an unknown name is refused with the names there are. */
export function templatePath(ref: string): string {
  const name = ref.slice(TEMPLATE_PREFIX.length);
  const names = templateNames();
  if (!names.includes(name)) {
    throw new CairnError('WORKFLOW_NOT_FOUND', `no built-in template '${name}'; the templates are: ${names.join(', ') || '(none installed)'} (\`cairn templates\` describes them)`, {
      workflow: ref,
      templates: names,
    });
  }
  return join(templatesDir(), `${name}.yaml`);
}

/** Every built-in template with what a listing shows; a file that does not parse is left out. */
export function listTemplates(): TemplateSummary[] {
  return templateNames().flatMap((name) => {
    const path = join(templatesDir(), `${name}.yaml`);
    const workflow = parseDefinition(readFileSync(path, 'utf8'), { path }).workflow;
    if (!workflow) return [];
    return [
      {
        workflow: `${TEMPLATE_PREFIX}${basename(path, '.yaml')}`,
        name,
        ...(workflow.description !== undefined ? { description: workflow.description } : {}),
        ...(workflow.category !== undefined ? { category: workflow.category } : {}),
        tags: workflow.tags,
        parameters: workflow.parameters,
        steps: workflow.steps.length,
        path,
      },
    ];
  });
}
