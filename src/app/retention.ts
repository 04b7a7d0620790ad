import type { RetentionConfig } from '../config/index.js';
import { parseSince } from '../insight/analytics-since.js';
import type { PruneCounts } from '../store/operations.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';

/*
 * Retention (docs/configuration.md `retention:`, `cairn prune`): finished runs, old log
 * lines and old audit entries go; running and waiting runs never do. `cairn serve` sweeps
 * on a timer, so the store stays bounded without anyone remembering to prune.
 */

export interface PruneOptions {
  /** Finished runs older than this (`30d`, or a date); default `retention.runs`. */
  olderThan?: string;
  /** Log lines older than this; default `retention.logs`. */
  logsOlderThan?: string;
  /** Audit entries older than this; default `retention.audit`. */
  auditOlderThan?: string;
  dryRun?: boolean;
}

export interface PruneReport extends PruneCounts {
  dryRun: boolean;
  /** The cutoffs applied (ISO), by what they apply to. */
  cutoffs: { runs?: string; logs?: string; audit?: string };
}

const HOUR = 3_600_000;

export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: RetentionConfig,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Whether the configuration asks for anything to be deleted. */
  get configured(): boolean {
    return this.config.runsMs !== undefined || this.config.logsMs !== undefined || this.config.auditMs !== undefined;
  }

  /** Apply retention once: flags first, then the configuration. USAGE when there is nothing to apply. */
  async prune(opts: PruneOptions = {}, now = Date.now()): Promise<PruneReport> {
    const runs = cutoff('--older-than', opts.olderThan, this.config.runsMs, now);
    const logs = cutoff('--logs-older-than', opts.logsOlderThan, this.config.logsMs, now);
    const audit = cutoff('--audit-older-than', opts.auditOlderThan, this.config.auditMs, now);
    if (runs === undefined && logs === undefined && audit === undefined) {
      throw new CairnError('USAGE', 'nothing to prune: give --older-than 30d (and/or --logs-older-than), or set `retention:` in cairn.yaml');
    }
    const dryRun = opts.dryRun === true;
    const counts = await this.store.prune({
      dryRun,
      ...(runs !== undefined ? { runsBefore: runs } : {}),
      ...(logs !== undefined ? { logsBefore: logs } : {}),
      ...(audit !== undefined ? { auditBefore: audit } : {}),
    });
    if (!dryRun && counts.runs + counts.logs + counts.audit > 0) await this.store.reclaim();
    const at = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const cutoffs = Object.fromEntries(Object.entries({ runs: at(runs), logs: at(logs), audit: at(audit) }).filter(([, v]) => v !== undefined)) as PruneReport['cutoffs'];
    return { ...counts, dryRun, cutoffs };
  }

  /** Sweep every `retention.sweep_every` (default 1 h), first soon after start. Nothing when unconfigured. */
  start(onSwept?: (report: PruneReport) => void): void {
    if (!this.configured || this.timer) return;
    const every = Math.max(1000, this.config.sweepEveryMs ?? HOUR);
    const sweep = () => {
      this.prune().then((report) => onSwept?.(report), this.onError);
    };
    const first = setTimeout(sweep, Math.min(every, 5000));
    first.unref();
    this.timer = setInterval(sweep, every);
    this.timer.unref();
    this.first = first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
    this.timer = undefined;
    this.first = undefined;
  }

  private first: NodeJS.Timeout | undefined;
}

function cutoff(flag: string, given: string | undefined, configuredMs: number | undefined, now: number): number | undefined {
  if (given !== undefined) {
    const parsed = parseSince(given, now);
    if ('error' in parsed) throw new CairnError('USAGE', `${flag}: ${parsed.error}`);
    return parsed.at;
  }
  return configuredMs === undefined ? undefined : now - configuredMs;
}
