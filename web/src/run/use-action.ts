import { useState } from 'react';

/**
 * One button's request at a time: `act(fn)` runs it, shows `busy` meanwhile, keeps its
 * error for display, and calls `onActed` when it went through (so the page reloads).
 */
export function useAction(onActed: () => void): { busy: boolean; error: unknown; act(fn: () => Promise<unknown>): Promise<void> } {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onActed();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, act };
}
