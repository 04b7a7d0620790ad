import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { Role } from './session';

/** What every page gets: its path parameters (`/runs/{id}` → `{ id }`) and the full hash path. */
export interface PageProps {
  params: Record<string, string>;
  path: string;
}

export interface PageRoute {
  /** Hash path pattern, `{name}` for a parameter. */
  pattern: string;
  /** Shown in the navigation when set. */
  label?: string;
  /** The least role that sees the page (and its nav link). */
  role: Role;
  page: LazyExoticComponent<ComponentType<PageProps>>;
}

// Every page is its own chunk: the first load fetches only the shell and the page shown;
// the Run page's graph library and the Designer's editor load when those pages open.
export const ROUTES: PageRoute[] = [
  { pattern: '/workflows', label: 'Workflows', role: 'viewer', page: lazy(() => import('./pages/Workflows')) },
  { pattern: '/runs', label: 'Runs', role: 'viewer', page: lazy(() => import('./pages/Runs')) },
  { pattern: '/runs/{id}', role: 'viewer', page: lazy(() => import('./pages/Run')) },
  { pattern: '/inbox', label: 'Inbox', role: 'viewer', page: lazy(() => import('./pages/Inbox')) },
  { pattern: '/analytics', label: 'Analytics', role: 'viewer', page: lazy(() => import('./pages/Analytics')) },
  { pattern: '/designer', label: 'Designer', role: 'viewer', page: lazy(() => import('./pages/Designer')) },
  { pattern: '/settings', label: 'Settings', role: 'admin', page: lazy(() => import('./pages/Settings')) },
];

export const HOME = '/runs';
