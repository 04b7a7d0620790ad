import type { Diagnostic } from './diagnostic.js';
import type { ParsedDefinition } from './parse.js';
import { placed } from './parse.js';
import { closestName } from './suggest.js';

/**
 * Strict level: every `pool:` names a pool the configuration has. The definition alone
 * cannot know the pools, so the application passes their names in (app/validate.ts).
 */
export function checkPools(parsed: ParsedDefinition, pools: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  parsed.workflow?.steps.forEach((step, i) => {
    if (step.pool === undefined || pools.includes(step.pool)) return;
    const near = closestName(step.pool, pools);
    const known = pools.length === 0 ? 'no pools are configured' : `configured pools: ${pools.join(', ')}`;
    const d: Diagnostic = {
      severity: 'error',
      code: 'DEF_UNKNOWN_POOL',
      message: `step '${step.id}' takes a slot of pool '${step.pool}', which the configuration does not have (${known})`,
      path: ['steps', i, 'pool'],
      fix: near ? `did you mean '${near}'?` : `add it to cairn.yaml:\npools:\n  ${step.pool}:\n    slots: 1`,
    };
    out.push(placed(d, parsed.positions, parsed.path));
  });
  return out;
}
