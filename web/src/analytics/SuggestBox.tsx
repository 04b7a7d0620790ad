import { useId, useState, type FormEvent } from 'react';
import { suggest } from '../api';
import { ErrorMessage } from '../components';
import type { Suggestion } from './types';

/** "What should I run?": the suggest API over the catalog and history, each answer with its reasons. */
export function SuggestBox() {
  const id = useId();
  const [intent, setIntent] = useState('');
  const [context, setContext] = useState('');
  const [recent, setRecent] = useState('');
  const [answer, setAnswer] = useState<Suggestion[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const recentList = recent
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const empty = intent.trim() === '' && context.trim() === '' && recentList.length === 0;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (empty) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await suggest({ ...(intent.trim() ? { intent } : {}), ...(context.trim() ? { context } : {}), ...(recentList.length ? { recent_commands: recentList } : {}), limit: 5 });
      setAnswer(res.suggestions as unknown as Suggestion[]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>What should I run?</h2>
      <form onSubmit={(e) => void submit(e)} className="suggest-form">
        <label htmlFor={`${id}-intent`}>What do you want to do?</label>
        <input id={`${id}-intent`} value={intent} onChange={(e) => setIntent(e.target.value)} placeholder="e.g. roll back the failed deploy" />
        <label htmlFor={`${id}-context`}>What is going on?</label>
        <textarea id={`${id}-context`} rows={2} value={context} onChange={(e) => setContext(e.target.value)} placeholder="e.g. error rate alert on checkout after the 14:00 release" />
        <label htmlFor={`${id}-recent`}>Commands or workflows run just before (comma-separated)</label>
        <input id={`${id}-recent`} value={recent} onChange={(e) => setRecent(e.target.value)} placeholder="e.g. deploy-web, hv-status" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || empty}>
            Suggest
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {answer && (
        <div role="status" aria-live="polite">
          {answer.length === 0 ? (
            <p className="hint">Nothing fits; try other words.</p>
          ) : (
            <ol className="suggestions">
              {answer.map((s) => (
                <li key={s.workflow}>
                  <strong>{s.name}</strong> <span className="mono">{s.workflow}</span> <span className="badge">score {s.score.toFixed(2)}</span>
                  <ul className="hint">
                    {s.reasons.map((r, i) => (
                      <li key={i}>{r}</li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}
