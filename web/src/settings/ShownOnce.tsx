import { useState } from 'react';

/** A secret the server shows only in this answer: displayed once, with a copy button and a warning. */
export function ShownOnce({ label, secret, onDone }: { label: string; secret: string; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="panel shown-once" role="alert">
      <p>
        <strong>{label}</strong> It is shown only this once: copy it now.
      </p>
      <p>
        <code data-testid="shown-once-secret">{secret}</code>
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone}>
          I have kept it
        </button>
      </div>
    </div>
  );
}
