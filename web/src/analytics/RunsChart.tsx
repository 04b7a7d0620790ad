import { bucketLabel, niceScale } from './scale';
import type { SeriesPoint } from './types';

const W = 720;
const H = 220;
const PAD = { left: 40, right: 8, top: 10, bottom: 28 };
const PARTS = [
  { key: 'succeeded', label: 'succeeded', className: 'chart-ok' },
  { key: 'failed', label: 'failed', className: 'chart-fail' },
  { key: 'cancelled', label: 'cancelled', className: 'chart-idle' },
  { key: 'inFlight', label: 'in flight', className: 'chart-run' },
] as const;

/** Runs per bucket, stacked by outcome; each bar says its numbers on hover and in the table below. */
export function RunsChart({ points, bucket }: { points: SeriesPoint[]; bucket: 'hour' | 'day' | 'week' }) {
  const { top, ticks } = niceScale(Math.max(0, ...points.map((p) => p.runs)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.max(1, Math.min(28, slot * 0.75));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const total = points.reduce((n, p) => n + p.runs, 0);
  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Runs per ${bucket}: ${total} runs in ${points.length} ${bucket}s, at most ${Math.max(0, ...points.map((p) => p.runs))} in one`}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="chart-axis">
              {t}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={p.start} data-testid="runs-bar">
              <title>{`${bucketLabel(p.start, bucket)}: ${p.runs} runs, ${p.succeeded} succeeded, ${p.failed} failed, ${p.cancelled} cancelled, ${p.inFlight} in flight`}</title>
              {PARTS.map((part) => {
                const v = p[part.key];
                if (v === 0) return null;
                const rect = <rect key={part.key} x={x} width={barW} y={y(base + v)} height={y(base) - y(base + v)} className={part.className} />;
                base += v;
                return rect;
              })}
              {i % labelEvery === 0 && (
                <text x={x + barW / 2} y={H - 8} textAnchor="middle" className="chart-axis">
                  {bucketLabel(p.start, bucket)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        {PARTS.map((part) => (
          <span key={part.key}>
            <svg width="12" height="12" aria-hidden="true">
              <rect width="12" height="12" className={part.className} />
            </svg>{' '}
            {part.label}
          </span>
        ))}
      </figcaption>
      <details>
        <summary>Runs per {bucket} as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{bucket} (UTC)</th>
              <th scope="col">runs</th>
              <th scope="col">succeeded</th>
              <th scope="col">failed</th>
              <th scope="col">cancelled</th>
              <th scope="col">in flight</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.start}>
                <td>{bucketLabel(p.start, bucket)}</td>
                <td>{p.runs}</td>
                <td>{p.succeeded}</td>
                <td>{p.failed}</td>
                <td>{p.cancelled}</td>
                <td>{p.inFlight}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
