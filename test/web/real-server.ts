import { configure, render, type RenderResult } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import { SessionContext, storeKey, type Role } from '../../web/src/session';

// Pages wait on a real server that shares two cores with other tests: wait generously.
configure({ asyncUtilTimeout: 15_000 });

/**
 * Component tests talk to a real `cairn serve` (test/server/harness.ts): the page's
 * origin is set to the server's, so the app's relative `/api/v1/...` calls reach it.
 */
export function pointAt(url: string, hash = ''): void {
  const happy = (window as unknown as { happyDOM?: { setURL(url: string): void } }).happyDOM;
  if (!happy) throw new Error('run this test file in the happy-dom environment (// @vitest-environment happy-dom)');
  happy.setURL(`${url}/${hash}`);
}

/** Renders a page as a logged-in key would see it (the key is used for the API calls). */
export function renderAs(key: { key: string; id?: string; name: string; role: Role }, page: ReactElement): RenderResult {
  storeKey(key.key);
  const value = { session: { key: key.key, id: key.id ?? 'test', name: key.name, role: key.role }, logout: () => storeKey(undefined) };
  return render(createElement(SessionContext.Provider, { value }, page));
}
