import { duration } from '../format';
import type { Attempt } from './model';

/**
 * Each attempt (and compensation) as a bar on a shared time axis from the run's start:
 * retries show as several bars on a step's row. Rows are buttons: they select the step.
 */
export function Gantt({ attempts, start, now, onSelect }: { attempts: Attempt[]; start: number; now: number; onSelect(step: string): void }) {
  if (attempts.length === 0) return <p className="hint">No step has started yet.</p>;
  const end = Math.max(now, ...attempts.map((a) => a.end ?? now));
  const span = Math.max(1, end - start);
  const rows = new Map<string, Attempt[]>();
  for (const a of attempts) {
    const key = a.compensation ? `${a.step} (undo)` : a.step;
    const list = rows.get(key);
    if (list) list.push(a);
    else rows.set(key, [a]);
  }
  return (
    <div className="gantt" role="list" aria-label="Timeline of attempts">
      {[...rows].map(([label, list]) => (
        <div className="gantt-row" role="listitem" key={label}>
          <button type="button" className="link mono" style={{ textAlign: 'left', overflow: 'hidden', textOverflow: 'ellipsis' }} onClick={() => onSelect(list[0]!.step.replace(/\[\d+\]$/, ''))}>
            {label}
          </button>
          <div className="gantt-track">
            {list.map((a) => {
              const left = ((a.start - start) / span) * 100;
              const width = (((a.end ?? now) - a.start) / span) * 100;
              const cls = a.outcome === 'succeeded' || a.outcome === 'compensated' ? 's-succeeded' : a.outcome === 'running' ? 's-running' : a.outcome === 'failed' || a.outcome === 'compensation_failed' ? 's-failed' : 's-cancelled';
              const text = `${label} attempt ${a.attempt}: ${a.outcome}, ${duration((a.end ?? now) - a.start)}${a.error ? ` (${a.error})` : ''}`;
              return <span key={`${a.attempt}-${a.start}`} className={`gantt-bar ${cls}`} style={{ left: `${left}%`, width: `${Math.max(width, 0.3)}%` }} title={text} aria-label={text} role="img" />;
            })}
          </div>
        </div>
      ))}
    </div>
  );
}
