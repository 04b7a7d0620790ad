import { useCallback, useEffect, useState } from 'react';
import { listTasks } from '../api';
import { ErrorMessage, Page } from '../components';
import { useLiveRefresh, useNewestAnswer } from '../live';
import { href } from '../router';
import type { PageProps } from '../routes';
import { TaskBox } from '../run/StepPanel';
import { useCan, useSession, type Session } from '../session';
import type { OpenTask } from '../types';

const TASK_EVENTS = new Set(['TaskRequested', 'TaskCompleted', 'TaskEscalated', 'ApprovalGranted', 'ApprovalRejected', 'RunFinished', 'RunCancelled']);

/** Is the task for this key: named for it or its role, or for anyone (no assignee, no approvers)? */
export function isFor(task: OpenTask, session: Pick<Session, 'name' | 'role'>): boolean {
  const names = [...(task.assignee ? [task.assignee] : []), ...(task.approvers ?? [])];
  if (names.length === 0) return true;
  return names.includes(session.name) || names.includes(session.role);
}

export default function Inbox(_props: PageProps) {
  const { session } = useSession();
  const canAct = useCan('operator');
  const [tasks, setTasks] = useState<OpenTask[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [all, setAll] = useState(false);
  const newest = useNewestAnswer();
  const load = useCallback(() => {
    newest(
      listTasks(),
      (answer) => {
        setTasks(answer.tasks);
        setError(undefined);
      },
      setError,
    );
  }, [newest]);
  useEffect(load, [load]);
  const live = useLiveRefresh(load, (e) => TASK_EVENTS.has(e.type), { everyMs: 300 });
  const shown = (tasks ?? []).filter((t) => all || isFor(t, session));
  return (
    <Page
      title="Inbox"
      actions={
        <span className={`live ${live === 'live' ? 'on' : ''}`} role="status">
          {live === 'live' ? 'live' : live}
        </span>
      }
    >
      <p className="hint">
        Approvals and tasks waiting for <strong>{session.name}</strong> or the <strong>{session.role}</strong> role, and those open to anyone.
      </p>
      <label style={{ fontWeight: 'normal' }}>
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show everyone's
      </label>
      <ErrorMessage error={error} />
      {!tasks && !error && <p role="status">Loading…</p>}
      {tasks && shown.length === 0 && <p>Nothing is waiting for you.</p>}
      <ul aria-label="Waiting" style={{ listStyle: 'none', padding: 0, display: 'grid', gap: '0.75rem', maxWidth: '48rem' }}>
        {shown.map((task) => (
          <li key={`${task.runId}/${task.step}`}>
            <div className="row">
              <span className="badge">{task.kind}</span>
              <a href={href(`/runs/${task.runId}`)}>{task.workflowName || task.workflowId}</a>
              <span className="mono">{task.step}</span>
              <span className="mono hint">{task.runId}</span>
            </div>
            <TaskBox task={task} canAct={canAct} onActed={load} />
          </li>
        ))}
      </ul>
    </Page>
  );
}
