import { DEFAULT_MAX_BYTES, loadDefinitionFile, parseDefinition, type Diagnostic, type ParsedDefinition, type SourcePositions } from '../definition/index.js';
import { NOT_A_MAPPING, type ConfigDiagnostic } from './diagnostic.js';

/** The raw data of a configuration file and the way back from a data path to its text. */
export interface ConfigSource {
  /** The data as written; undefined when the file is empty or could not be read as data. */
  data?: Record<string, unknown>;
  positions?: SourcePositions;
  diagnostics: ConfigDiagnostic[];
}

/** Same limit as definitions: a configuration file is never anywhere near 1 MiB. */
export const CONFIG_MAX_BYTES = DEFAULT_MAX_BYTES;

/*
 * The definition layer owns reading YAML/JSON with positions, the size and nesting limits,
 * duplicate keys and alias bombs; it exports that reading only as part of parsing a
 * definition. So configuration text goes through the same parse, and only its reading half
 * is kept: the data, the positions and the reading problems, recoded CFG_*. The workflow
 * checks that also run on the data are discarded.
 */

/** Read and parse the file at `path` (absolute). `shown` is how diagnostics name it. */
export async function readConfigFile(path: string, shown: string): Promise<ConfigSource> {
  const parsed = await loadDefinitionFile(path, { maxBytes: CONFIG_MAX_BYTES });
  return fromDefinition(parsed, shown, path);
}

/** Parse configuration text; `file` picks the format by extension (else JSON is detected). */
export function parseConfigText(text: string, file?: string): ConfigSource {
  return fromDefinition(parseDefinition(text, { maxBytes: CONFIG_MAX_BYTES, ...(file !== undefined ? { path: file } : {}) }), file, file);
}

/** Problems of reading the text, as opposed to the workflow checks parseDefinition adds. */
const READING = new Set<Diagnostic['code']>(['DEF_READ', 'DEF_TOO_LARGE', 'DEF_TOO_DEEP', 'DEF_JSON_SYNTAX', 'DEF_YAML_SYNTAX', 'DEF_YAML_WARNING', 'DEF_DUPLICATE_KEY', 'DEF_ALIAS_LIMIT', 'DEF_UNSUPPORTED_VALUE', 'DEF_TYPE', 'DEF_INTERNAL']);

function fromDefinition(parsed: ParsedDefinition, shown: string | undefined, actual: string | undefined): ConfigSource {
  // With data, only warnings come from reading (errors stop it short of data); without, every diagnostic does.
  const kept = parsed.data ? parsed.diagnostics.filter((d) => d.code === 'DEF_YAML_WARNING') : parsed.diagnostics.filter((d) => READING.has(d.code));
  const source: ConfigSource = { positions: parsed.positions, diagnostics: kept.map((d) => recode(d, shown, actual)) };
  if (parsed.data) source.data = parsed.data;
  return source;
}

/** DEF_X -> CFG_X, in the configuration's words. */
function recode(d: Diagnostic, shown: string | undefined, actual: string | undefined): ConfigDiagnostic {
  const out: ConfigDiagnostic = { ...d, code: `CFG_${d.code.slice('DEF_'.length)}` as ConfigDiagnostic['code'] };
  if (shown !== undefined) out.file = shown;
  else delete out.file;
  let message = d.message;
  if (actual !== undefined && shown !== undefined) message = message.split(actual).join(shown);
  switch (d.code) {
    case 'DEF_TYPE':
      message = `${NOT_A_MAPPING}; found ${/found (.+)$/.exec(message)?.[1] ?? 'something else'}`;
      break;
    case 'DEF_TOO_LARGE':
      message = message.replace('the definition', 'the configuration file');
      out.fix = 'a configuration file is a few kilobytes: check that this is the file you meant';
      break;
    case 'DEF_INTERNAL':
      message = message.replace('the definition', 'the configuration');
      break;
    default:
      message = message.replace('which a workflow cannot hold', 'which the configuration cannot hold').replace('a definition file holds', 'a configuration file holds');
  }
  out.message = message;
  return out;
}
