import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError } from './api';

/** A run's or step's status: a coloured dot plus the word (colour is never the only signal). */
export function Status({ status, paused }: { status: string; paused?: boolean | undefined }) {
  return (
    <span className={`status s-${status}`} data-status={status}>
      {status.replace('_', ' ')}
      {paused ? ' (paused)' : ''}
    </span>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const text = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {text}
    </p>
  );
}

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby="page-title">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1 id="page-title">{title}</h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A modal <dialog>: focus moves in, Escape closes, focus returns where it was. */
export function Modal({ title, onClose, children }: { title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal?.();
    return () => dialog?.close?.();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="modal-title" onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <h2 id="modal-title">{title}</h2>
      {children}
    </dialog>
  );
}

