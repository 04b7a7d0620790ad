import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Workflow } from '../engine/types.js';
import type { Diagnostic } from './diagnostic.js';
import { issueDiagnostics } from './issues.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { checkKeys } from './keys.js';
import { DEFAULT_MAX_BYTES } from './limits.js';
import { normalizeWorkflow } from './normalize.js';
import { SourcePositions } from './positions.js';
import { readSource, type DefinitionFormat } from './read.js';
import { stepKeys, workflowKeys, workflowSchema, type WorkflowInput } from './schema.js';

/** A definition as read from text: the workflow when its shape is valid, and what was found. */
export interface ParsedDefinition {
  /** Set when the definition has the right shape; `validateWorkflow` checks the rest. */
  workflow?: Workflow;
  /** Problems found while reading (syntax, shape, keys), errors and warnings. */
  diagnostics: Diagnostic[];
  /** sha256 (hex) of the exact text: runs record the definition they started with. */
  hash: string;
  source: string;
  format: DefinitionFormat;
  path?: string;
  /** The raw data (snake_case, as written), when the text parsed. */
  data?: Record<string, unknown>;
  /** From a data path back to line and column. */
  positions: SourcePositions;
}

export interface ParseOptions {
  /** Shown in diagnostics and used to pick the format from the extension. */
  path?: string;
  format?: DefinitionFormat;
  maxBytes?: number;
}

/** Parse definition text. Never throws on bad input: problems come back as diagnostics. */
export function parseDefinition(text: string, options: ParseOptions = {}): ParsedDefinition {
  const format = options.format ?? formatOf(options.path, text);
  const parsed: ParsedDefinition = {
    diagnostics: [],
    hash: createHash('sha256').update(text).digest('hex'),
    source: text,
    format,
    positions: new SourcePositions(undefined, undefined, text),
  };
  if (options.path !== undefined) parsed.path = options.path;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) {
    parsed.diagnostics.push(tooLarge(Buffer.byteLength(text), maxBytes, options.path));
    return parsed;
  }
  try {
    shape(parsed, text, format, options.path);
  } catch (err) {
    // A bug in Cairn must not look like a crash to the user: report it, with where.
    parsed.diagnostics.push(placed({ severity: 'error', code: 'DEF_INTERNAL', message: `internal error while reading the definition: ${(err as Error).message}`, path: [] }, parsed.positions, options.path));
    delete parsed.workflow;
  }
  return parsed;
}

function shape(parsed: ParsedDefinition, text: string, format: DefinitionFormat, file: string | undefined): void {
  const read = readSource(text, format, file);
  parsed.positions = read.positions;
  parsed.diagnostics.push(...read.diagnostics);
  const data = read.data;
  if (!data) return;
  parsed.data = data;

  const found: Diagnostic[] = checkKeys(data, workflowKeys(), [], 'the workflow');
  const steps = data.steps;
  if (Array.isArray(steps)) {
    steps.forEach((step, i) => {
      if (step !== null && typeof step === 'object' && !Array.isArray(step)) {
        const id = (step as Record<string, unknown>).id;
        found.push(...checkKeys(step as Record<string, unknown>, stepKeys(), ['steps', i], typeof id === 'string' ? `step '${id}'` : `steps[${i}]`));
      }
    });
  }
  const result = workflowSchema().safeParse(data);
  if (!result.success) found.push(...issueDiagnostics(result.error.issues, data, [], 'DEF_TYPE', strictKeys));
  found.push(...identity(data));
  parsed.diagnostics.push(...found.map((d) => placed(d, read.positions, file)));
  if (result.success && !found.some((d) => d.code === 'DEF_REQUIRED')) {
    // Normalize the data as written (already validated), not zod's copy of it.
    parsed.workflow = normalizeWorkflow(data as WorkflowInput, read.positions);
  }
}

/** Keys accepted by the strict objects of the schema, for "did you mean". */
function strictKeys(path: (string | number)[]): readonly string[] {
  const schema = workflowSchema();
  if (path.includes('retry')) return Object.keys(schema.shape.steps.element.shape.retry.unwrap().options[1].shape);
  if (path[0] === 'parameters') return Object.keys(schema.shape.parameters.unwrap().valueType.options[0].shape);
  return [];
}

function identity(data: Record<string, unknown>): Diagnostic[] {
  const { name, id, workflow_id: workflowId } = data;
  if (name === undefined && id === undefined && workflowId === undefined) {
    return [{ severity: 'error', code: 'DEF_REQUIRED', message: 'a workflow needs a `name` or an `id`', path: [], fix: 'add `name: my-workflow` at the top' }];
  }
  if (typeof id === 'string' && typeof workflowId === 'string' && id !== workflowId) {
    return [{ severity: 'error', code: 'DEF_TYPE', message: `\`id\` ('${id}') and \`workflow_id\` ('${workflowId}') disagree; they are two spellings of one field`, path: ['workflow_id'], fix: 'keep only `id`' }];
  }
  return [];
}

const KEY_CODES = new Set(['DEF_UNKNOWN_KEY', 'DEF_EXTRA_KEY', 'DEF_DUPLICATE_KEY']);

/** Fill in file, line and column from the diagnostic's path (keys point at the key). */
export function placed(d: Diagnostic, positions: SourcePositions, file: string | undefined, within?: number): Diagnostic {
  const out = { ...d };
  if (file !== undefined) out.file = file;
  if (out.line === undefined) {
    const pos = positions.locate(d.path, KEY_CODES.has(d.code) ? 'key' : 'value', within);
    if (pos) {
      out.line = pos.line;
      out.col = pos.col;
    }
  }
  return out;
}

/**
 * Read and parse a definition file. The size is checked with stat before reading, and the
 * read itself is bounded, so a huge file costs neither time nor memory.
 */
export async function loadDefinitionFile(path: string, options: { maxBytes?: number; format?: DefinitionFormat } = {}): Promise<ParsedDefinition> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const failed = (d: Diagnostic): ParsedDefinition => ({
    diagnostics: [d],
    hash: '',
    source: '',
    format: options.format ?? formatOf(path, ''),
    path,
    positions: new SourcePositions(undefined, undefined),
  });
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) return failed(readError(path, 'is not a file'));
    if (info.size > maxBytes) return failed(tooLarge(info.size, maxBytes, path));
    const bytes = await readBounded(path, maxBytes);
    if (bytes === undefined) return failed(tooLarge(maxBytes + 1, maxBytes, path));
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return failed(readError(path, 'does not exist'));
    if (code === 'EACCES') return failed(readError(path, 'cannot be read (permission denied)'));
    if (err instanceof TypeError) return failed(readError(path, 'is not UTF-8 text'));
    return failed(readError(path, `cannot be read: ${(err as Error).message}`));
  }
  return parseDefinition(text, { path, maxBytes, ...(options.format ? { format: options.format } : {}) });
}

/** At most `maxBytes` bytes of the file, or undefined when it holds more (it grew after stat). */
async function readBounded(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) return undefined;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function tooLarge(size: number, maxBytes: number, file: string | undefined): Diagnostic {
  const d: Diagnostic = {
    severity: 'error',
    code: 'DEF_TOO_LARGE',
    message: `the definition is ${size} bytes; the limit is ${maxBytes} bytes`,
    path: [],
    fix: 'split it into smaller workflows, or raise the limit',
  };
  if (file !== undefined) d.file = file;
  return d;
}

function readError(file: string, what: string): Diagnostic {
  return { severity: 'error', code: 'DEF_READ', message: `${file} ${what}`, path: [], file };
}

/** By extension; otherwise text that is valid JSON is JSON, anything else YAML. */
export function formatOf(path: string | undefined, text: string): DefinitionFormat {
  const ext = path ? extname(path).toLowerCase() : '';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return (first === '{' || first === '[') && findJsonSyntaxError(text) === undefined ? 'json' : 'yaml';
}

