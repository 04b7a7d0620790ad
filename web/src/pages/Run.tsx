import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { cancelRun, getRun, listTasks, pauseRun, retryRun, rollbackRun, runEvents, unpauseRun, type RollbackStrategy } from '../api';
import { ErrorMessage, Modal, Page, Status } from '../components';
import { duration, elapsed, json, when } from '../format';
import { useLiveRefresh, useNewestAnswer } from '../live';
import { href } from '../router';
import type { PageProps } from '../routes';
import { Gantt } from '../run/Gantt';
import { attemptsOf, graphSteps } from '../run/model';
import { StepPanel } from '../run/StepPanel';
import { useAction } from '../run/use-action';
import { useCan } from '../session';
import { TERMINAL_RUN, type OpenTask, type RunDetail, type RunEvent } from '../types';

// The graph library is the heaviest part of the page: it loads on its own.
const RunGraph = lazy(() => import('../run/RunGraph'));

export default function Run({ params }: PageProps) {
  const id = params['id'] ?? '';
  const [detail, setDetail] = useState<RunDetail | undefined>();
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [tasks, setTasks] = useState<OpenTask[]>([]);
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [view, setView] = useState<'graph' | 'timeline'>('graph');

  const newest = useNewestAnswer();
  const load = useCallback(() => {
    newest(
      Promise.all([getRun(id), runEvents(id), listTasks(id)]),
      ([d, e, t]) => {
        setDetail(d);
        setEvents(e.events);
        setTasks(t.tasks);
        setError(undefined);
        setVersion((v) => v + 1);
        setNow(Date.now());
      },
      setError,
    );
  }, [id, newest]);
  useEffect(load, [load]);
  const finished = detail ? TERMINAL_RUN.includes(detail.run.status) : false;
  useEffect(() => {
    if (finished) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [finished]);
  // The stream is filtered to this run by its full id (the page may have been opened with a prefix).
  const live = useLiveRefresh(load, () => true, { ...(detail ? { run: detail.run.id } : {}), everyMs: 200 });

  const steps = useMemo(() => (detail ? graphSteps(detail) : []), [detail]);
  const attempts = useMemo(() => attemptsOf(events), [events]);
  const chosen = steps.find((s) => s.id === selected);

  if (error && !detail) return <ErrorMessage error={error} />;
  if (!detail) return <p role="status">Loading run…</p>;
  const { run } = detail;
  return (
    <Page
      title={`${run.workflowName || run.workflowId}`}
      actions={
        <span className={`live ${live === 'live' ? 'on' : ''}`} role="status">
          {live === 'live' ? 'live' : live}
        </span>
      }
    >
      <div className="row" style={{ marginBottom: '0.5rem' }}>
        <span data-run-status={run.status}>
          <Status status={run.status} paused={run.paused} />
        </span>
        <span className="mono">{run.id}</span>
        <span className="hint">
          started {when(run.startedAt ?? run.createdAt)} by {run.startedBy ?? 'unknown'} · {duration(elapsed(run.startedAt ?? run.createdAt, run.finishedAt, now))}
        </span>
        {run.parent && (
          <a href={href(`/runs/${run.parent.runId}`)}>
            parent run (step {run.parent.step})
          </a>
        )}
      </div>
      <RunActions detail={detail} onActed={load} />
      {run.error && (
        <p className="error" role="alert">
          {run.error.code}: {run.error.message}
        </p>
      )}
      <ErrorMessage error={error} />
      {tasks.length > 0 && (
        <p className="hint" role="status">
          {tasks.length} step{tasks.length === 1 ? '' : 's'} waiting for people: {tasks.map((t) => t.step).join(', ')} — select to act.
        </p>
      )}
      <div className="tabs" role="tablist" aria-label="Run views">
        <button type="button" role="tab" aria-selected={view === 'graph'} onClick={() => setView('graph')}>
          Graph
        </button>
        <button type="button" role="tab" aria-selected={view === 'timeline'} onClick={() => setView('timeline')}>
          Timeline
        </button>
      </div>
      <div className="run-layout">
        <div>
          {view === 'graph' ? (
            <Suspense fallback={<div className="dag" role="status">Loading graph…</div>}>
              <RunGraph steps={steps} selected={selected} onSelect={setSelected} />
            </Suspense>
          ) : (
            <div className="panel">
              <Gantt attempts={attempts} start={run.startedAt ?? run.createdAt} now={run.finishedAt ?? now} onSelect={setSelected} />
            </div>
          )}
          <label htmlFor="step-pick">Step</label>
          <select id="step-pick" value={selected ?? ''} onChange={(e) => setSelected(e.target.value || undefined)}>
            <option value="">choose a step…</option>
            {steps.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id} ({s.status})
              </option>
            ))}
          </select>
          {run.outputs && Object.keys(run.outputs).length > 0 && (
            <>
              <h2>Outputs</h2>
              <pre className="logs">{json(run.outputs)}</pre>
            </>
          )}
          <h2>Parameters</h2>
          <pre className="logs">{json(run.parameters)}</pre>
        </div>
        {chosen ? (
          <StepPanel
            runId={run.id}
            step={chosen}
            plan={detail.plan?.steps.find((p) => p.id === chosen.id)}
            attempts={attempts.filter((a) => a.step === chosen.id || a.step.startsWith(`${chosen.id}[`))}
            tasks={tasks}
            version={version}
            onActed={load}
          />
        ) : (
          <aside className="panel">
            <p className="hint">Select a step in the graph, the timeline or the list to see its parameters, outputs, logs and attempts.</p>
          </aside>
        )}
      </div>
    </Page>
  );
}

/** Cancel, pause, retry, roll back: shown to operators, each when the run's state allows it. */
function RunActions({ detail, onActed }: { detail: RunDetail; onActed(): void }) {
  const canAct = useCan('operator');
  const { busy, error, act } = useAction(onActed);
  const [rollingBack, setRollingBack] = useState(false);
  const { run } = detail;
  if (!canAct) return null;
  const finished = TERMINAL_RUN.includes(run.status);
  return (
    <div className="row" role="group" aria-label="Run actions" style={{ marginBottom: '0.5rem' }}>
      {!finished && (
        <button type="button" className="danger" disabled={busy} onClick={() => window.confirm(`Cancel run ${run.id}?`) && void act(() => cancelRun(run.id))}>
          Cancel
        </button>
      )}
      {!finished && !run.paused && (
        <button type="button" disabled={busy} onClick={() => void act(() => pauseRun(run.id))}>
          Pause
        </button>
      )}
      {!finished && run.paused && (
        <button type="button" disabled={busy} onClick={() => void act(() => unpauseRun(run.id))}>
          Unpause
        </button>
      )}
      {(run.status === 'failed' || run.status === 'cancelled') && (
        <button type="button" disabled={busy} onClick={() => void act(() => retryRun(run.id))}>
          Retry
        </button>
      )}
      {(run.status === 'failed' || run.status === 'succeeded' || run.status === 'cancelled' || run.status === 'running' || run.status === 'waiting') && (
        <button type="button" disabled={busy} onClick={() => setRollingBack(true)}>
          Roll back…
        </button>
      )}
      <ErrorMessage error={error} />
      {rollingBack && (
        <RollbackDialog
          runId={run.id}
          onClose={() => setRollingBack(false)}
          onDone={() => {
            setRollingBack(false);
            onActed();
          }}
        />
      )}
    </div>
  );
}

function RollbackDialog({ runId, onClose, onDone }: { runId: string; onClose(): void; onDone(): void }) {
  const [strategy, setStrategy] = useState<RollbackStrategy>('graceful');
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [answer, setAnswer] = useState<Record<string, unknown> | undefined>();
  const submit = async () => {
    setError(undefined);
    try {
      const result = await rollbackRun(runId, { strategy, ...(to ? { to } : {}), ...(reason ? { reason } : {}) });
      if (strategy === 'manual') setAnswer(result);
      else onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title="Roll back" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="rb-strategy">Strategy</label>
        <select id="rb-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as RollbackStrategy)}>
          <option value="graceful">graceful: let running steps finish, then undo</option>
          <option value="immediate">immediate: stop running steps, then undo</option>
          <option value="checkpoint">checkpoint: undo back to a checkpoint step</option>
          <option value="manual">manual: only show the plan</option>
        </select>
        {strategy === 'checkpoint' && (
          <>
            <label htmlFor="rb-to">Checkpoint step</label>
            <input id="rb-to" value={to} onChange={(e) => setTo(e.target.value)} required />
          </>
        )}
        <label htmlFor="rb-reason">Reason</label>
        <input id="rb-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <ErrorMessage error={error} />
        {answer && <pre className="logs">{json(answer)}</pre>}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="danger">
            Roll back
          </button>
        </div>
      </form>
    </Modal>
  );
}
