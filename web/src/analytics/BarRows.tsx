import type { ReactNode } from 'react';

export interface BarRow {
  key: string;
  label: ReactNode;
  /** Each bar's value on the shared scale, with its class and words. */
  bars: Array<{ value: number; className: string; text: string }>;
}

/**
 * Horizontal bars, one row per item, all on one scale: the shape of success rates and
 * duration percentiles alike. The numbers are printed beside the bars, so colour and
 * length are never the only way to read them.
 */
export function BarRows({ rows, max, caption }: { rows: BarRow[]; max: number; caption: string }) {
  return (
    <table className="bar-rows">
      <caption className="visually-hidden">{caption}</caption>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            <td className="bar-cell">
              {row.bars.map((bar, i) => (
                <div key={i} className="bar-line">
                  <svg className="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                    <rect x="0" y="0" height="10" width={max > 0 ? Math.max(0.5, (bar.value / max) * 100) : 0} className={bar.className} />
                  </svg>
                  <span className="bar-text">{bar.text}</span>
                </div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
