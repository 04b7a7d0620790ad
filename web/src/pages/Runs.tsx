import { useCallback, useEffect, useState } from 'react';
import { listRuns } from '../api';
import { ErrorMessage, Page, Status } from '../components';
import { duration, elapsed, when } from '../format';
import { useLiveRefresh, useNewestAnswer } from '../live';
import { hashQuery, href, navigate } from '../router';
import type { PageProps } from '../routes';
import { RUN_STATUSES, type Run } from '../types';

const PAGE_SIZE = 25;
// Events that change what the table shows: a run appearing, starting, pausing, ending.
const RUN_EVENTS = new Set(['RunCreated', 'RunStarted', 'RunFinished', 'RunCancelled', 'RunPaused', 'RunUnpaused', 'RunRetried', 'RollbackStarted', 'TaskRequested', 'StepStarted']);

export default function Runs({ path }: PageProps) {
  const query = hashQuery(path);
  const status = query.get('status') ?? '';
  const workflow = query.get('workflow') ?? '';
  // The `before` cursors of the pages seen so far: page n starts before pages[n].
  const [pages, setPages] = useState<Array<number | undefined>>([undefined]);
  const page = pages.length - 1;
  const [runs, setRuns] = useState<Run[] | undefined>();
  const [next, setNext] = useState<number | undefined>();
  const [error, setError] = useState<unknown>();
  const [now, setNow] = useState(Date.now());

  const newest = useNewestAnswer();
  const load = useCallback(() => {
    const before = pages[pages.length - 1];
    newest(
      listRuns({ limit: PAGE_SIZE, ...(status ? { status } : {}), ...(workflow ? { workflow_id: workflow } : {}), ...(before !== undefined ? { before } : {}) }),
      (answer) => {
        setRuns(answer.executions);
        setNext(answer.next_before);
        setError(undefined);
        setNow(Date.now());
      },
      setError,
    );
  }, [pages, status, workflow, newest]);
  useEffect(load, [load]);
  useEffect(() => setPages([undefined]), [status, workflow]);
  // Durations of running runs tick.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const live = useLiveRefresh(load, (e) => RUN_EVENTS.has(e.type), { everyMs: 400 });

  const setFilter = (key: string, value: string) => {
    const q = hashQuery(path);
    if (value) q.set(key, value);
    else q.delete(key);
    const text = q.toString();
    navigate(`/runs${text ? `?${text}` : ''}`);
  };

  return (
    <Page title="Runs" actions={<span className={`live ${live === 'live' ? 'on' : ''}`} role="status">{live === 'live' ? 'live' : live}</span>}>
      <div className="toolbar">
        <div>
          <label htmlFor="runs-status">Status</label>
          <select id="runs-status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">all</option>
            {RUN_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="runs-workflow">Workflow id</label>
          <input
            id="runs-workflow"
            defaultValue={workflow}
            key={workflow}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setFilter('workflow', e.currentTarget.value.trim());
            }}
            onBlur={(e) => setFilter('workflow', e.currentTarget.value.trim())}
            placeholder="press Enter"
          />
        </div>
      </div>
      <ErrorMessage error={error} />
      <table aria-label="Runs" aria-busy={runs === undefined}>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Workflow</th>
            <th scope="col">Run</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Started by</th>
          </tr>
        </thead>
        <tbody>
          {runs?.map((run) => (
            <tr key={run.id} data-run={run.id} data-status={run.status}>
              <td>
                <Status status={run.status} paused={run.paused} />
              </td>
              <td>{run.workflowName || run.workflowId}</td>
              <td className="mono">
                <a href={href(`/runs/${run.id}`)}>{run.id}</a>
              </td>
              <td>{when(run.startedAt ?? run.createdAt)}</td>
              <td>{duration(elapsed(run.startedAt ?? run.createdAt, run.finishedAt, now))}</td>
              <td>{run.startedBy ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs && runs.length === 0 && <p>No runs{status || workflow ? ' match these filters' : ' yet: start one from Workflows'}.</p>}
      <nav className="row" aria-label="Pages" style={{ marginTop: '0.75rem' }}>
        <button type="button" disabled={page === 0} onClick={() => setPages((p) => p.slice(0, -1))}>
          ← Newer
        </button>
        <span>Page {page + 1}</span>
        <button type="button" disabled={next === undefined} onClick={() => setPages((p) => [...p, next])}>
          Older →
        </button>
      </nav>
    </Page>
  );
}
