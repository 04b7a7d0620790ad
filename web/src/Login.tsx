import { useState, type FormEvent } from 'react';

/** Paste an API key (from `cairn keys create`, or the one `cairn serve` printed on first start). */
export function Login({ onLogin, error }: { onLogin(key: string): Promise<void>; error: string | undefined }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (key.trim() === '') return;
    setBusy(true);
    await onLogin(key.trim());
    setBusy(false);
  };
  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">◭ Cairn</h1>
        <p>Log in with an API key. It is kept for this browser tab only (sessionStorage).</p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="cairn_…"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : 'login-help'}
          required
        />
        <p id="login-help" className="hint">
          Create one with <code>cairn keys create --role operator --name you</code>.
        </p>
        {error && (
          <p id="login-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
