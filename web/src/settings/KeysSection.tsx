import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { createKey, listKeys, revokeKey } from '../api';
import { ErrorMessage } from '../components';
import { when } from '../format';
import { useSession } from '../session';
import { ShownOnce } from './ShownOnce';
import type { KeyView } from './types';

/** API keys: every key (never its secret), create one (shown once), revoke one. */
export function KeysSection() {
  const id = useId();
  const { session } = useSession();
  const [keys, setKeys] = useState<KeyView[]>();
  const [error, setError] = useState<unknown>();
  const [role, setRole] = useState<KeyView['role']>('operator');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [confirming, setConfirming] = useState<string>();

  const load = useCallback(() => {
    listKeys().then((a) => setKeys(a.keys as unknown as KeyView[]), setError);
  }, []);
  useEffect(load, [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const issued = await createKey(role, name.trim() || undefined);
      setCreated({ name: issued.name, key: issued.key });
      setName('');
      load();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (key: KeyView) => {
    setError(undefined);
    try {
      await revokeKey(key.id);
      setConfirming(undefined);
      load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>API keys</h2>
      <ErrorMessage error={error} />
      {created && <ShownOnce label={`New key ${created.name}:`} secret={created.key} onDone={() => setCreated(undefined)} />}
      <form className="toolbar" onSubmit={(e) => void create(e)} aria-label="Create a key">
        <div>
          <label htmlFor={`${id}-name`}>Name (who holds it)</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="e.g. alice, deploy-bot" />
        </div>
        <div>
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as KeyView['role'])}>
            <option value="viewer">viewer: reads</option>
            <option value="operator">operator: also runs, approves</option>
            <option value="admin">admin: also keys, webhooks, workflows</option>
          </select>
        </div>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      {!keys ? (
        <p role="status">Loading keys…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">id</th>
              <th scope="col">role</th>
              <th scope="col">created</th>
              <th scope="col">state</th>
              <th scope="col">
                <span className="visually-hidden">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>
                  {k.name}
                  {k.id === session.id ? ' (you)' : ''}
                </td>
                <td className="mono">{k.id}</td>
                <td>{k.role}</td>
                <td>
                  {when(k.createdAt)}
                  {k.createdBy ? ` by ${k.createdBy}` : ''}
                </td>
                <td>{k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'live'}</td>
                <td>
                  {!k.revokedAt &&
                    (confirming === k.id ? (
                      <span className="row">
                        <span>Revoke {k.name}{k.id === session.id ? ' (this logs you out)' : ''}?</span>
                        <button type="button" className="danger" onClick={() => void revoke(k)}>
                          Yes, revoke
                        </button>
                        <button type="button" onClick={() => setConfirming(undefined)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button type="button" className="danger" onClick={() => setConfirming(k.id)} aria-label={`Revoke key ${k.name}`}>
                        Revoke
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
