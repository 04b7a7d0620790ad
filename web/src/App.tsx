import { Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, whoami } from './api';
import { Login } from './Login';
import { href, matchPath, navigate, useHashPath } from './router';
import { HOME, ROUTES } from './routes';
import { roleAllows, SessionContext, storedKey, storeKey, type Session } from './session';

/** The shell: log in (or restore the session's key), then the navigation and the page. */
export function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [checking, setChecking] = useState(() => storedKey() !== undefined);
  const [loginError, setLoginError] = useState<string | undefined>();

  const login = useCallback(async (key: string) => {
    setLoginError(undefined);
    try {
      const me = await whoami(key);
      storeKey(key);
      setSession({ key, ...me });
    } catch (err) {
      storeKey(undefined);
      setSession(undefined);
      setLoginError(err instanceof ApiError && err.status === 401 ? 'That key is not valid (unknown, mistyped or revoked).' : err instanceof Error ? err.message : String(err));
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    const key = storedKey();
    if (key) void login(key);
  }, [login]);

  const logout = useCallback(() => {
    storeKey(undefined);
    setSession(undefined);
  }, []);
  const context = useMemo(() => (session ? { session, logout } : undefined), [session, logout]);

  if (checking) return <p className="centered" role="status">Checking your key…</p>;
  if (!session || !context) return <Login onLogin={login} error={loginError} />;
  return (
    <SessionContext.Provider value={context}>
      <Layout session={session} onLogout={logout} />
    </SessionContext.Provider>
  );
}

function Layout({ session, onLogout }: { session: Session; onLogout(): void }) {
  const path = useHashPath();
  useEffect(() => {
    if (path === '/') navigate(HOME);
  }, [path]);
  const visible = ROUTES.filter((r) => roleAllows(session.role, r.role));
  let found: { route: (typeof ROUTES)[number]; params: Record<string, string> } | undefined;
  for (const route of ROUTES) {
    const params = matchPath(route.pattern, path);
    if (params) {
      found = { route, params };
      break;
    }
  }
  const section = '/' + (path.split('?')[0]!.split('/')[1] ?? '');
  return (
    <div className="shell">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand" aria-label="Cairn">◭ Cairn</span>
        <nav aria-label="Main">
          <ul>
            {visible
              .filter((r) => r.label)
              .map((r) => (
                <li key={r.pattern}>
                  <a href={href(r.pattern)} aria-current={section === r.pattern ? 'page' : undefined}>
                    {r.label}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <span className="who">
          <span title={`key ${session.id}`}>{session.name}</span> <span className="badge">{session.role}</span>
          <button type="button" className="link" onClick={onLogout}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {found && roleAllows(session.role, found.route.role) ? (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <found.route.page params={found.params} path={path} />
          </Suspense>
        ) : found ? (
          <p role="alert">This page needs the {found.route.role} role; your key is {session.role}.</p>
        ) : path === '/' ? null : (
          <p role="alert">
            No page at {path}. <a href={href(HOME)}>Go to runs</a>
          </p>
        )}
      </main>
    </div>
  );
}
