import { useCallback, useEffect, useId, useState } from 'react';
import { listLocks } from '../api';
import { ErrorMessage } from '../components';
import { href } from '../router';
import { when } from '../format';
import { listPools, type PoolView } from './api';
import type { LockHolder, LocksView } from './types';

const POOL = 'pool:';

/** Locks and pools: the configured pools with their slots in use, every holder and every waiter. */
export function LocksSection() {
  const id = useId();
  const [locks, setLocks] = useState<LocksView>();
  const [pools, setPools] = useState<PoolView[]>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(() => {
    setError(undefined);
    listLocks().then((a) => setLocks(a as unknown as LocksView), setError);
    listPools().then((a) => setPools(a.pools), setError);
  }, []);
  useEffect(load, [load]);

  const heldIn = (pool: string): LockHolder[] => (locks?.holders ?? []).filter((h) => h.lock === `${POOL}${pool}`);
  const runLink = (runId: string, step: string) => <a href={href(`/runs/${runId}`)}>{`${runId.slice(0, 10)} › ${step}`}</a>;

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id={`${id}-title`}>Locks and pools</h2>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} />
      <h3>Pools</h3>
      {!pools ? (
        <p role="status">Loading pools…</p>
      ) : pools.length === 0 ? (
        <p className="hint">No pools are configured (pools: in cairn.yaml).</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">pool</th>
              <th scope="col">slots in use</th>
              <th scope="col">held by</th>
            </tr>
          </thead>
          <tbody>
            {pools.map((p) => (
              <tr key={p.name}>
                <td>
                  <span className="mono">{p.name}</span>
                  {p.description && <div className="hint">{p.description}</div>}
                </td>
                <td>
                  {heldIn(p.name).length} of {p.slots}
                </td>
                <td>
                  {heldIn(p.name).map((h) => (
                    <div key={`${h.runId}/${h.step}`}>{runLink(h.runId, h.step)}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Held</h3>
      {!locks ? (
        <p role="status">Loading locks…</p>
      ) : locks.holders.length === 0 ? (
        <p className="hint">No lock or pool slot is held.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">lock</th>
              <th scope="col">run › step</th>
              <th scope="col">since</th>
              <th scope="col">lapses</th>
            </tr>
          </thead>
          <tbody>
            {locks.holders.map((h) => (
              <tr key={`${h.lock}/${h.runId}/${h.step}`}>
                <td className="mono">{h.lock}</td>
                <td>
                  {runLink(h.runId, h.step)}
                  {h.perRun ? ' (whole run)' : ''}
                </td>
                <td>{when(h.acquiredAt)}</td>
                <td>{h.stale ? <span className="error">stale: its owner stopped renewing it</span> : when(h.expiresAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Waiting</h3>
      {locks && locks.waiters.length === 0 ? (
        <p className="hint">Nobody waits.</p>
      ) : (
        locks && (
          <table>
            <thead>
              <tr>
                <th scope="col">place</th>
                <th scope="col">run › step</th>
                <th scope="col">for</th>
                <th scope="col">since</th>
              </tr>
            </thead>
            <tbody>
              {locks.waiters.map((w, i) => (
                <tr key={`${w.runId}/${w.step}/${w.seq}`}>
                  <td>{i + 1}</td>
                  <td>{runLink(w.runId, w.step)}</td>
                  <td className="mono">{w.locks.join(', ')}</td>
                  <td>{when(w.since)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
    </section>
  );
}
