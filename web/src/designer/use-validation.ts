import { useEffect, useState } from 'react';
import { validateText, type Validation } from './api';

export interface ValidationState {
  /** The newest answer and the text it is about (it may be older than the text on screen). */
  result?: { text: string; answer: Validation };
  /** A request failed (network, session); the editor keeps the last answer. */
  error?: unknown;
  pending: boolean;
}

/** Validate the text on the server once typing pauses for `delayMs`; stale answers are dropped. */
export function useValidation(text: string, delayMs = 400): ValidationState {
  const [state, setState] = useState<ValidationState>({ pending: false });
  useEffect(() => {
    if (text.trim() === '') {
      setState({ pending: false });
      return;
    }
    let current = true;
    setState((s) => ({ ...s, pending: true }));
    const timer = setTimeout(() => {
      validateText(text).then(
        (answer) => current && setState({ result: { text, answer }, pending: false }),
        (error: unknown) => current && setState((s) => ({ ...s, error, pending: false })),
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, delayMs]);
  return state;
}
