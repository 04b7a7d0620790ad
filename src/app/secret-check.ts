import type { Diagnostic, ParsedDefinition } from '../definition/index.js';
import { secretNames } from '../runtime/secrets.js';
import type { Secrets } from './secrets.js';

/** Strict validation: a secret no source has is a warning now rather than a failed step later. */
export async function checkSecrets(parsed: ParsedDefinition, secrets: Pick<Secrets, 'unresolved' | 'consulted'>): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const [i, step] of (parsed.workflow?.steps ?? []).entries()) {
    let missing: string[];
    try {
      missing = await secrets.unresolved(secretNames(step.parameters));
    } catch {
      continue; // an unreadable source: the run says why
    }
    for (const name of missing) {
      out.push({
        severity: 'warning',
        code: 'DEF_SECRET_UNRESOLVED',
        message: `step '${step.id}' reads secrets.${name}, which is not in ${secrets.consulted}: the step will fail unless it is set where it runs`,
        path: ['steps', i, 'parameters'],
        fix: `export CAIRN_SECRET_${name}=..., add it to the secrets file, or \`cairn secrets set ${name}\``,
      });
    }
  }
  return out;
}
