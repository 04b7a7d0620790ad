import { useEffect, useRef, useState } from 'react';
import { approveStep, completeStep, runLogs } from '../api';
import { ErrorMessage, Status } from '../components';
import { FieldsForm } from '../forms/FieldsForm';
import { fieldsFromSchema } from '../forms/fields';
import { duration, json, when } from '../format';
import { useCan } from '../session';
import type { LogLine, OpenTask, PlanStep } from '../types';
import type { Attempt, GraphStep } from './model';
import { useAction } from './use-action';

type Tab = 'details' | 'logs' | 'attempts';

/** One step: its parameters, outputs, errors, logs (streaming), attempts, and its task or approval. */
export function StepPanel({
  runId,
  step,
  plan,
  attempts,
  tasks,
  version,
  onActed,
}: {
  runId: string;
  step: GraphStep;
  plan: PlanStep | undefined;
  attempts: Attempt[];
  tasks: OpenTask[];
  /** Changes whenever the run changes: logs are fetched again then. */
  version: number;
  onActed(): void;
}) {
  const [tab, setTab] = useState<Tab>('details');
  const canAct = useCan('operator');
  const mine = tasks.filter((t) => t.step === step.id || t.step.startsWith(`${step.id}[`));
  const tabs: Array<[Tab, string]> = [
    ['details', 'Details'],
    ['logs', 'Logs'],
    ['attempts', `Attempts (${attempts.length})`],
  ];
  return (
    <aside className="panel" aria-labelledby="step-title">
      <h2 id="step-title" className="mono">
        {step.id}
      </h2>
      <div className="row">
        <Status status={step.status} /> {step.command && <span className="badge">{step.command}</span>} {step.phase && <span className="badge">phase {step.phase}</span>}
      </div>
      {step.description && <p>{step.description}</p>}
      {mine.map((task) => (
        <TaskBox key={task.step} task={task} canAct={canAct} onActed={onActed} />
      ))}
      <div className="tabs" role="tablist" aria-label="Step details">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-selected={tab === id} aria-controls={`tabpanel-${id}`} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'details' && <Details step={step} plan={plan} />}
        {tab === 'logs' && <Logs runId={runId} step={step.id} version={version} />}
        {tab === 'attempts' && <Attempts attempts={attempts} />}
      </div>
    </aside>
  );
}

function Details({ step, plan }: { step: GraphStep; plan: PlanStep | undefined }) {
  return (
    <>
      {plan && Object.keys(plan.parameters).length > 0 && (
        <>
          <h3>Parameters</h3>
          <pre className="logs">{json(plan.parameters)}</pre>
        </>
      )}
      {plan && plan.dependsOn.length > 0 && <p className="hint">Depends on: {plan.dependsOn.join(', ')}</p>}
      {step.instances.map((i) => (
        <div key={i.key}>
          {step.instances.length > 1 && (
            <h3 className="mono">
              {i.key} <Status status={i.status} />
            </h3>
          )}
          <dl className="kv">
            <dt>Started</dt>
            <dd>{when(i.startedAt)}</dd>
            <dt>Took</dt>
            <dd>{i.startedAt !== undefined && i.finishedAt !== undefined ? duration(i.finishedAt - i.startedAt) : '—'}</dd>
            <dt>Attempts</dt>
            <dd>{i.attempts}</dd>
            {i.reason && (
              <>
                <dt>Why</dt>
                <dd>{i.reason}</dd>
              </>
            )}
          </dl>
          {i.error && (
            <p className="error" role="alert">
              {i.error.code}: {i.error.message}
            </p>
          )}
          {i.outputs && Object.keys(i.outputs).length > 0 && (
            <>
              <h3>Outputs</h3>
              <pre className="logs">{json(i.outputs)}</pre>
            </>
          )}
        </div>
      ))}
      {step.instances.length === 0 && <p className="hint">Not started.</p>}
    </>
  );
}

/** The step's output lines; new ones are fetched (after the last id) whenever the run changes. */
function Logs({ runId, step, version }: { runId: string; step: string; version: number }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<unknown>();
  const last = useRef(0);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    last.current = 0;
  }, [runId, step]);
  useEffect(() => {
    let live = true;
    runLogs(runId, { step, after: last.current, limit: 1000 }).then(
      (answer) => {
        if (!live || answer.lines.length === 0) return;
        last.current = answer.lines.at(-1)?.id ?? last.current;
        setLines((l) => [...l, ...answer.lines].slice(-5000));
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [runId, step, version]);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <>
      <ErrorMessage error={error} />
      <pre className="logs" ref={box} aria-live="polite" aria-label={`Logs of ${step}`} tabIndex={0}>
        {lines.length === 0 ? 'No output yet.' : lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.line ?? l.text ?? ''}`).join('\n')}
      </pre>
    </>
  );
}

function Attempts({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return <p className="hint">No attempt yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Outcome</th>
          <th scope="col">Started</th>
          <th scope="col">Took</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={`${a.step}-${a.attempt}-${a.start}`}>
            <td>
              {a.attempt}
              {a.compensation ? ' (undo)' : ''}
            </td>
            <td>
              <Status status={a.outcome} />
              {a.error && <div className="error">{a.error}</div>}
            </td>
            <td>{new Date(a.start).toLocaleTimeString()}</td>
            <td>{a.end !== undefined ? duration(a.end - a.start) : '…'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An open approval or task on this step: approve/reject, or complete it with a form from its output schema. */
export function TaskBox({ task, canAct, onActed }: { task: OpenTask; canAct: boolean; onActed(): void }) {
  const { busy, error, act } = useAction(onActed);
  const [comment, setComment] = useState('');
  const who = task.assignee ?? (task.approvers && task.approvers.length > 0 ? task.approvers.join(', ') : undefined);
  return (
    <div className="panel" style={{ borderColor: 'var(--warn)', margin: '0.5rem 0' }} data-task={`${task.runId}/${task.step}`}>
      <strong>{task.kind === 'approval' ? 'Waiting for approval' : 'Waiting for a task'}</strong>
      {who && <span className="hint"> · for {who}</span>}
      {task.kind === 'approval' && task.required !== undefined && task.required > 1 && (
        <span className="hint">
          {' '}
          · {task.approvedBy.length}/{task.required} approvals
        </span>
      )}
      {task.instructions && <p>{task.instructions}</p>}
      {task.dueAt !== undefined && <p className="hint">Due {when(task.dueAt)}</p>}
      {!canAct && <p className="hint">An operator key can act on it.</p>}
      {canAct && task.kind === 'approval' && (
        <>
          <label htmlFor={`comment-${task.runId}-${task.step}`}>Comment (optional)</label>
          <input id={`comment-${task.runId}-${task.step}`} value={comment} onChange={(e) => setComment(e.target.value)} style={{ width: '100%' }} />
          <div className="row" style={{ marginTop: '0.5rem' }}>
            <button type="button" className="primary" disabled={busy} onClick={() => void act(() => approveStep(task.runId, task.step, true, comment || undefined))}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void act(() => approveStep(task.runId, task.step, false, comment || undefined))}>
              Reject
            </button>
          </div>
        </>
      )}
      {canAct && task.kind === 'task' && (
        <FieldsForm
          fields={fieldsFromSchema(task.outputSchema)}
          submitLabel="Complete task"
          busy={busy}
          onSubmit={(output) => act(() => completeStep(task.runId, task.step, output))}
        />
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
