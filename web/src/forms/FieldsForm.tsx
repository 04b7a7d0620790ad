import { useId, useMemo, useState, type FormEvent } from 'react';
import { readForm, toText, type Field } from './fields';

/**
 * A form generated from fields (a workflow's parameters, a task's output schema):
 * each input labelled, checked as you type, errors tied to their input for screen readers.
 */
export function FieldsForm({
  fields,
  submitLabel,
  onSubmit,
  onCancel,
  busy,
}: {
  fields: Field[];
  submitLabel: string;
  onSubmit(values: Record<string, unknown>): void | Promise<void>;
  onCancel?(): void;
  busy?: boolean;
}) {
  const base = useId();
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, toText(f, f.initial)])));
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [tried, setTried] = useState(false);
  const { values, errors } = useMemo(() => readForm(fields, texts), [fields, texts]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(errors).length === 0) void onSubmit(values);
  };
  return (
    <form onSubmit={submit} noValidate>
      {fields.length === 0 && <p className="hint">No parameters.</p>}
      {fields.map((field) => {
        const id = `${base}-${field.name}`;
        const text = texts[field.name] ?? '';
        const error = touched[field.name] || tried ? errors[field.name] : undefined;
        const set = (value: string) => {
          setTexts((t) => ({ ...t, [field.name]: value }));
          setTouched((t) => ({ ...t, [field.name]: true }));
        };
        const describedBy = [field.description ? `${id}-desc` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
        const common = { id, name: field.name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'aria-required': field.required || undefined };
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>
              {field.name}
              {field.required ? ' *' : ''} <span className="hint">({field.type})</span>
            </label>
            {field.enum ? (
              <select {...common} value={text} onChange={(e) => set(e.target.value)}>
                {!field.required && <option value="">—</option>}
                {field.required && text === '' && <option value="">choose…</option>}
                {field.enum.map((v) => (
                  <option key={String(v)} value={String(v)}>
                    {String(v)}
                  </option>
                ))}
              </select>
            ) : field.type === 'boolean' ? (
              <select {...common} value={text} onChange={(e) => set(e.target.value)}>
                <option value="">—</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : field.type === 'array' || field.type === 'object' ? (
              <textarea {...common} rows={3} className="mono" value={text} onChange={(e) => set(e.target.value)} />
            ) : (
              <input
                {...common}
                type="text"
                inputMode={field.type === 'number' || field.type === 'integer' ? 'decimal' : undefined}
                value={text}
                onChange={(e) => set(e.target.value)}
                list={field.used ? `${id}-used` : undefined}
                autoComplete="off"
              />
            )}
            {field.used && (
              <datalist id={`${id}-used`}>
                {field.used.map((u) => (
                  <option key={JSON.stringify(u.value)} value={toText(field, u.value)}>{`used ${u.count}×`}</option>
                ))}
              </datalist>
            )}
            {field.description && (
              <p className="hint" id={`${id}-desc`}>
                {field.description}
              </p>
            )}
            {field.used && field.used.length > 0 && (
              <p className="hint">
                Used before:{' '}
                {field.used.slice(0, 3).map((u, i) => (
                  <button type="button" className="link" key={i} onClick={() => set(toText(field, u.value))} aria-label={`use ${toText(field, u.value)} for ${field.name}`}>
                    {toText(field, u.value)} ({u.count}×)
                  </button>
                ))}
              </p>
            )}
            {error && (
              <p className="error" id={`${id}-err`} role="alert">
                {error}
              </p>
            )}
          </div>
        );
      })}
      <div className="form-actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

