import { useCallback, useEffect, useRef, useState } from 'react';
import { storedKey } from './session';
import type { LiveEvent } from './types';

/** The subprotocol the server answers with; the key rides in a second, `cairn.key.<key>`. */
export const LIVE_PROTOCOL = 'cairn.v1';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Subscribes to the server's event stream (WebSocket /api/v1/events), optionally for one
 * run. A browser cannot set an Authorization header on a WebSocket, so the key goes as a
 * subprotocol (never in the URL, where logs and history would keep it). On a drop it
 * reconnects with `after=<last cursor>`, so nothing is missed.
 */
export function useLiveEvents(onEvent: (event: LiveEvent) => void, options: { run?: string; onLive?: () => void } = {}): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const onLive = useRef(options.onLive);
  onLive.current = options.onLive;
  const { run } = options;
  useEffect(() => {
    const key = storedKey();
    if (!key || typeof WebSocket === 'undefined') {
      setState('offline');
      return;
    }
    let socket: WebSocket | undefined;
    let cursor: number | undefined;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 500;
    const connect = () => {
      const q = new URLSearchParams();
      if (run) q.set('run', run);
      if (cursor !== undefined) q.set('after', String(cursor));
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const query = q.toString();
      socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/events${query ? `?${query}` : ''}`, [LIVE_PROTOCOL, `cairn.key.${key}`]);
      setState('connecting');
      socket.onmessage = (message) => {
        let parsed: LiveEvent & { type: string };
        try {
          parsed = JSON.parse(String(message.data)) as LiveEvent;
        } catch {
          return;
        }
        if (parsed.type === 'hello') {
          cursor = parsed.cursor;
          delay = 500;
          setState('live');
          onLive.current?.();
          return;
        }
        cursor = parsed.cursor;
        handler.current(parsed);
      };
      socket.onclose = () => {
        if (stopped) return;
        setState('offline');
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    };
  }, [run]);
  return state;
}

/**
 * Calls `refresh` when live events that `matters` accepts arrive, at most once per
 * `everyMs` (a burst of events from a busy run becomes one reload, not hundreds), and
 * once each time the stream is (re)connected: the page's first load happened before the
 * subscription, and whatever changed in between arrives as no event.
 */
export function useLiveRefresh(refresh: () => void, matters: (event: LiveEvent) => boolean, options: { run?: string; everyMs?: number } = {}): LiveState {
  const latest = useRef({ refresh, matters });
  latest.current = { refresh, matters };
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const every = options.everyMs ?? 250;
  const schedule = () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current.refresh();
    }, every);
  };
  return useLiveEvents(
    (event) => {
      if (latest.current.matters(event)) schedule();
    },
    { ...(options.run ? { run: options.run } : {}), onLive: schedule },
  );
}

/**
 * Runs loads so that only newer answers are applied: on a busy machine a reload started
 * earlier can answer after one started later, and must not put the older state back on
 * the screen (the last event of a run would then never show).
 */
export function useNewestAnswer(): <T>(answer: Promise<T>, apply: (value: T) => void, fail: (error: unknown) => void) => void {
  const issued = useRef(0);
  const applied = useRef(0);
  return useCallback((answer, apply, fail) => {
    const n = ++issued.current;
    answer.then(
      (value) => {
        if (n < applied.current) return;
        applied.current = n;
        apply(value);
      },
      (error: unknown) => {
        if (n >= applied.current) fail(error);
      },
    );
  }, []);
}
