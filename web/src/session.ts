import { createContext, useContext } from 'react';

export type Role = 'viewer' | 'operator' | 'admin';

/** Who is logged in: the API key (kept in sessionStorage only) and what the server says it is. */
export interface Session {
  key: string;
  id: string;
  name: string;
  role: Role;
}

const STORAGE_KEY = 'cairn.key';
const ORDER: Role[] = ['viewer', 'operator', 'admin'];

/** Does `role` include `needed`? (admin > operator > viewer, as on the server.) */
export function roleAllows(role: Role, needed: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(needed);
}

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeKey(key: string | undefined): void {
  try {
    if (key === undefined) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, key);
  } catch {}
}

export interface SessionContextValue {
  session: Session;
  logout(): void;
}

export const SessionContext = createContext<SessionContextValue | undefined>(undefined);

/** The logged-in session; only pages under the layout (after login) call it. */
export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a logged-in page');
  return value;
}

/** May the logged-in key do what needs `role`? Buttons hide themselves with it. */
export function useCan(role: Role): boolean {
  return roleAllows(useSession().session.role, role);
}
