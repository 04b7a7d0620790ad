// @vitest-environment happy-dom
import { cleanup, render, waitFor } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useNewestAnswer } from '../../web/src/live';

/** A promise resolved or rejected from outside, so a test decides the order of answers. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

type Load = ReturnType<typeof deferred<string>>;

function Probe({ loads, onRender }: { loads: Load[]; onRender: (shown: string) => void }) {
  const newest = useNewestAnswer();
  const [shown, setShown] = useState('nothing');
  useEffect(() => {
    for (const load of loads) newest(load.promise, setShown, (error) => setShown(`error: ${String(error)}`));
  }, [loads, newest]);
  onRender(shown);
  return <p>{shown}</p>;
}

describe('useNewestAnswer', () => {
  afterEach(() => cleanup());

  it('keeps the newer state when an older reload answers last', async () => {
    const loads = [deferred<string>(), deferred<string>()];
    const seen: string[] = [];
    const view = render(<Probe loads={loads} onRender={(s) => seen.push(s)} />);
    loads[1]!.resolve('second');
    await waitFor(() => expect(view.container.textContent).toBe('second'));
    loads[0]!.resolve('first');
    loads[0]!.reject(new Error('late'));
    await new Promise((r) => setTimeout(r, 20));
    expect(view.container.textContent).toBe('second');
    expect(seen).not.toContain('first');
  });

  it('applies answers that arrive in order, and an error newer than the last answer', async () => {
    const loads = [deferred<string>(), deferred<string>(), deferred<string>()];
    const view = render(<Probe loads={loads} onRender={() => {}} />);
    loads[0]!.resolve('first');
    await waitFor(() => expect(view.container.textContent).toBe('first'));
    loads[1]!.resolve('second');
    await waitFor(() => expect(view.container.textContent).toBe('second'));
    loads[2]!.reject('down');
    await waitFor(() => expect(view.container.textContent).toBe('error: down'));
  });
});
