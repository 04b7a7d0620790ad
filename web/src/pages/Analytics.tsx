import { useEffect, useId, useState } from 'react';
import { analytics } from '../api';
import { BarRows } from '../analytics/BarRows';
import { RunsChart } from '../analytics/RunsChart';
import { percent } from '../analytics/scale';
import { SuggestBox } from '../analytics/SuggestBox';
import type { AnalyticsReport } from '../analytics/types';
import '../analytics/analytics.css';
import { ErrorMessage, Page } from '../components';
import { duration } from '../format';
import type { PageProps } from '../routes';

const WINDOWS = [
  { value: '24h', label: 'last 24 hours' },
  { value: '7d', label: 'last 7 days' },
  { value: '30d', label: 'last 30 days' },
  { value: '', label: 'all history read' },
];

/** How the workflows have been doing, from the event log; and what to run next. */
export default function Analytics(_props: PageProps) {
  const id = useId();
  const [since, setSince] = useState('7d');
  const [workflow, setWorkflow] = useState('');
  const [report, setReport] = useState<AnalyticsReport>();
  const [workflowIds, setWorkflowIds] = useState<string[]>([]);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let current = true;
    setError(undefined);
    analytics({ ...(since ? { since } : {}), ...(workflow ? { workflow } : {}) }).then(
      (r) => {
        if (!current) return;
        const answer = r as unknown as AnalyticsReport;
        setReport(answer);
        if (!workflow) setWorkflowIds(answer.workflows.map((w) => w.workflowId));
      },
      (err: unknown) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [since, workflow]);

  const maxDuration = Math.max(0, ...(report?.workflows ?? []).map((w) => w.duration?.maxMs ?? 0));
  const failing = (report?.workflows ?? []).flatMap((w) => w.failingSteps.map((s) => ({ workflow: w.workflowId, ...s }))).sort((a, b) => b.failures - a.failures);

  return (
    <Page title="Analytics">
      <div className="toolbar">
        <div>
          <label htmlFor={`${id}-since`}>Runs created in the</label>
          <select id={`${id}-since`} value={since} onChange={(e) => setSince(e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.value} value={w.value}>
                {w.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-workflow`}>Workflow</label>
          <select id={`${id}-workflow`} value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">all workflows</option>
            {workflowIds.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      {!report && !error && <p role="status">Loading the figures…</p>}
      {report && (
        <>
          <p role="status" data-testid="analytics-summary">
            {report.summary}
            {report.window.truncated ? ` Only the newest ${report.window.limit} runs were read.` : ''}
          </p>
          {!report.empty && (
            <div className="analytics-grid">
              <section className="panel analytics-wide" aria-labelledby={`${id}-over-time`}>
                <h2 id={`${id}-over-time`}>Runs over time</h2>
                <dl className="figures">
                  <div>
                    <dt>runs</dt>
                    <dd>{report.totals.runs}</dd>
                  </div>
                  <div>
                    <dt>success rate</dt>
                    <dd>{percent(report.totals.successRate)}</dd>
                  </div>
                  <div>
                    <dt>p50 / p95 duration</dt>
                    <dd>
                      {duration(report.totals.duration?.p50Ms)} / {duration(report.totals.duration?.p95Ms)}
                    </dd>
                  </div>
                  <div>
                    <dt>step failures</dt>
                    <dd>{report.totals.stepFailures}</dd>
                  </div>
                  <div>
                    <dt>automatic retries</dt>
                    <dd>{report.totals.retries}</dd>
                  </div>
                </dl>
                <RunsChart points={report.series.points} bucket={report.series.bucket} />
              </section>
              <section className="panel" aria-labelledby={`${id}-success`}>
                <h2 id={`${id}-success`}>Success rate</h2>
                <BarRows
                  caption="Success rate of each workflow"
                  max={1}
                  rows={report.workflows.map((w) => ({
                    key: w.workflowId,
                    label: w.workflowId,
                    bars: [{ value: w.successRate ?? 0, className: 'chart-ok', text: w.successRate === undefined ? `no finished run (${w.inFlight} in flight)` : `${percent(w.successRate)} of ${w.finished} finished` }],
                  }))}
                />
              </section>
              <section className="panel" aria-labelledby={`${id}-durations`}>
                <h2 id={`${id}-durations`}>Duration percentiles</h2>
                <BarRows
                  caption="Duration of finished runs of each workflow: median, 95th percentile and longest"
                  max={maxDuration}
                  rows={report.workflows
                    .filter((w) => w.duration)
                    .map((w) => ({
                      key: w.workflowId,
                      label: w.workflowId,
                      bars: [
                        { value: w.duration!.p50Ms, className: 'chart-run', text: `p50 ${duration(w.duration!.p50Ms)}` },
                        { value: w.duration!.p95Ms, className: 'chart-warn', text: `p95 ${duration(w.duration!.p95Ms)}` },
                        { value: w.duration!.maxMs, className: 'chart-idle', text: `max ${duration(w.duration!.maxMs)}` },
                      ],
                    }))}
                />
              </section>
              <section className="panel analytics-wide" aria-labelledby={`${id}-failing`}>
                <h2 id={`${id}-failing`}>Failing steps</h2>
                {failing.length === 0 ? (
                  <p className="hint">No step failed in these runs.</p>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">workflow › step</th>
                        <th scope="col">failed attempts</th>
                        <th scope="col">failed for good</th>
                        <th scope="col">most frequent errors</th>
                      </tr>
                    </thead>
                    <tbody>
                      {failing.map((s) => (
                        <tr key={`${s.workflow}/${s.step}`}>
                          <td>
                            {s.workflow} › <span className="mono">{s.step}</span>
                          </td>
                          <td>{s.failures}</td>
                          <td>{s.finalFailures}</td>
                          <td>
                            {s.errors.map((e, i) => (
                              <div key={i}>
                                {e.count}× <span className="mono">{e.code}</span> {e.message}
                              </div>
                            ))}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            </div>
          )}
        </>
      )}
      <SuggestBox />
    </Page>
  );
}
