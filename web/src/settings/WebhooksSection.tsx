import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { listWebhooks, webhookDeliveries } from '../api';
import { ErrorMessage } from '../components';
import { when } from '../format';
import { createWebhook, deleteWebhook } from './api';
import { ShownOnce } from './ShownOnce';
import { WEBHOOK_EVENTS, type DeliveryView, type WebhookView } from './types';

/** Outgoing webhooks: subscribe a URL (the signing secret is shown once), delete, and read each one's delivery log. */
export function WebhooksSection() {
  const id = useId();
  const [hooks, setHooks] = useState<WebhookView[]>();
  const [error, setError] = useState<unknown>();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['*']);
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ url: string; secret: string }>();
  const [open, setOpen] = useState<string>();
  const [deliveries, setDeliveries] = useState<DeliveryView[]>();
  const [confirming, setConfirming] = useState<string>();

  const load = useCallback(() => {
    listWebhooks().then((a) => setHooks(a.webhooks as unknown as WebhookView[]), setError);
  }, []);
  useEffect(load, [load]);

  useEffect(() => {
    setDeliveries(undefined);
    if (!open) return;
    let current = true;
    webhookDeliveries(open).then((a) => current && setDeliveries(a.deliveries as unknown as DeliveryView[]), (err: unknown) => current && setError(err));
    return () => {
      current = false;
    };
  }, [open]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const { webhook } = await createWebhook({ url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}) });
      setCreated({ url: webhook.url, secret: webhook.secret });
      setUrl('');
      setDescription('');
      load();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (hook: WebhookView) => {
    setError(undefined);
    try {
      await deleteWebhook(hook.id);
      setConfirming(undefined);
      if (open === hook.id) setOpen(undefined);
      load();
    } catch (err) {
      setError(err);
    }
  };
  const toggleEvent = (event: string, on: boolean) => {
    setEvents((list) => {
      const without = list.filter((e) => e !== event && e !== '*');
      return on ? [...without, event] : without.length > 0 ? without : ['*'];
    });
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Webhooks</h2>
      <ErrorMessage error={error} />
      {created && <ShownOnce label={`Signing secret for ${created.url}:`} secret={created.secret} onDone={() => setCreated(undefined)} />}
      <form onSubmit={(e) => void create(e)} aria-label="Subscribe a webhook">
        <div className="toolbar">
          <div className="grow">
            <label htmlFor={`${id}-url`}>URL</label>
            <input id={`${id}-url`} type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/cairn" />
          </div>
          <div className="grow">
            <label htmlFor={`${id}-description`}>Description</label>
            <input id={`${id}-description`} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
          </div>
          <button type="submit" className="primary" disabled={url.trim() === ''}>
            Subscribe
          </button>
        </div>
        <fieldset className="events">
          <legend>Events</legend>
          <label className="inline">
            <input type="checkbox" checked={events.includes('*')} onChange={(e) => setEvents(e.target.checked ? ['*'] : [])} /> every event
          </label>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event} className="inline">
              <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggleEvent(event, e.target.checked)} /> {event}
            </label>
          ))}
        </fieldset>
      </form>
      {!hooks ? (
        <p role="status">Loading webhooks…</p>
      ) : hooks.length === 0 ? (
        <p className="hint">No webhooks yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">events</th>
              <th scope="col">created</th>
              <th scope="col">state</th>
              <th scope="col">
                <span className="visually-hidden">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((h) => (
              <tr key={h.id}>
                <td>
                  <span className="mono">{h.url}</span>
                  {h.description && <div className="hint">{h.description}</div>}
                </td>
                <td>{h.events.join(', ')}</td>
                <td>
                  {when(h.createdAt)}
                  {h.createdBy ? ` by ${h.createdBy}` : ''}
                </td>
                <td>{h.disabledAt ? `disabled: ${h.disabledReason ?? ''}` : 'active'}</td>
                <td className="row">
                  <button type="button" aria-expanded={open === h.id} onClick={() => setOpen(open === h.id ? undefined : h.id)} aria-label={`Deliveries of ${h.url}`}>
                    Deliveries
                  </button>
                  {confirming === h.id ? (
                    <>
                      <button type="button" className="danger" onClick={() => void remove(h)}>
                        Yes, delete
                      </button>
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <button type="button" className="danger" onClick={() => setConfirming(h.id)} aria-label={`Delete webhook ${h.url}`}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <section aria-label="Delivery log">
          <h3>Deliveries to {hooks?.find((h) => h.id === open)?.url}</h3>
          {!deliveries ? (
            <p role="status">Loading deliveries…</p>
          ) : deliveries.length === 0 ? (
            <p className="hint">Nothing sent yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">event</th>
                  <th scope="col">status</th>
                  <th scope="col">attempts</th>
                  <th scope="col">created</th>
                  <th scope="col">last answer</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.id}>
                    <td className="mono">{d.eventType}</td>
                    <td>{d.status}</td>
                    <td>
                      {d.attempts}
                      {d.history.length > 0 && (
                        <details>
                          <summary>attempts</summary>
                          <ol>
                            {d.history.map((a, i) => (
                              <li key={i}>
                                {when(a.at)}: {a.status !== undefined ? `HTTP ${a.status}` : a.error} in {a.ms} ms
                              </li>
                            ))}
                          </ol>
                        </details>
                      )}
                    </td>
                    <td>{when(d.createdAt)}</td>
                    <td>{d.lastStatus !== undefined ? `HTTP ${d.lastStatus}` : (d.lastError ?? '—')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </section>
  );
}
