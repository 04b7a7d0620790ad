import { useEffect, useMemo, useState } from 'react';
import { analytics, apiFetch, getWorkflow, listWorkflows, prefill, startRun } from '../api';
import { ErrorMessage, Modal, Page } from '../components';
import { FieldsForm } from '../forms/FieldsForm';
import { fieldsFromParameters, type Field } from '../forms/fields';
import { navigate } from '../router';
import type { PageProps } from '../routes';
import { useCan } from '../session';
import type { ParameterSpec, WorkflowDetail } from '../types';

/** One entry of the library, whatever its source. */
export interface LibraryEntry {
  /** What POST /workflows/execute takes: a stored id, or template:NAME. */
  ref: string;
  name: string;
  source: 'stored' | 'file' | 'template';
  description?: string;
  category?: string;
  tags: string[];
  version?: string;
  revision?: number;
  path?: string;
  parameters: Record<string, ParameterSpec>;
  steps: number;
  successRate?: number;
  runs?: number;
}

interface BuiltinTemplate {
  workflow: string;
  name: string;
  description?: string;
  category?: string;
  tags: string[];
  parameters: Record<string, ParameterSpec>;
  steps: number;
}

/** Library filter: text matches id, name, description, tags; plus category and source. */
export function filterLibrary(entries: LibraryEntry[], filter: { text: string; category: string; source: string; tag: string }): LibraryEntry[] {
  const text = filter.text.trim().toLowerCase();
  return entries.filter(
    (e) =>
      (filter.category === '' || e.category === filter.category) &&
      (filter.source === '' || e.source === filter.source) &&
      (filter.tag === '' || e.tags.includes(filter.tag)) &&
      (text === '' || [e.ref, e.name, e.description ?? '', ...e.tags].some((s) => s.toLowerCase().includes(text))),
  );
}

export default function Workflows(_props: PageProps) {
  const [entries, setEntries] = useState<LibraryEntry[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [filter, setFilter] = useState({ text: '', category: '', source: '', tag: '' });
  const [running, setRunning] = useState<LibraryEntry | undefined>();
  const [details, setDetails] = useState<WorkflowDetail | undefined>();
  const canRun = useCan('operator');

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const [stored, builtin, figures] = await Promise.all([
          listWorkflows(),
          apiFetch<{ templates: BuiltinTemplate[] }>('/workflows/builtin-templates').catch(() => ({ templates: [] })),
          analytics({ sample: 2000 }).catch(() => undefined),
        ]);
        const rates = new Map<string, { successRate?: number; runs: number }>();
        for (const w of ((figures?.['workflows'] ?? []) as Array<{ workflowId: string; successRate?: number; runs: number }>)) rates.set(w.workflowId, w);
        const list: LibraryEntry[] = [
          ...stored.templates.map((w) => ({
            ref: w.id,
            name: w.name,
            source: (w.path ? 'file' : 'stored') as LibraryEntry['source'],
            ...(w.description ? { description: w.description } : {}),
            ...(w.category ? { category: w.category } : {}),
            tags: w.tags,
            version: w.version,
            revision: w.revision,
            ...(w.path ? { path: w.path } : {}),
            parameters: w.parameters,
            steps: w.steps,
            ...rateOf(rates.get(w.id)),
          })),
          ...builtin.templates.map((t) => ({
            ref: t.workflow,
            name: t.name,
            source: 'template' as const,
            ...(t.description ? { description: t.description } : {}),
            ...(t.category ? { category: t.category } : {}),
            tags: t.tags,
            parameters: t.parameters,
            steps: t.steps,
            ...rateOf(rates.get(t.name)),
          })),
        ];
        if (live) setEntries(list);
      } catch (err) {
        if (live) setError(err);
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const categories = useMemo(() => [...new Set((entries ?? []).flatMap((e) => (e.category ? [e.category] : [])))].sort(), [entries]);
  const tags = useMemo(() => [...new Set((entries ?? []).flatMap((e) => e.tags))].sort(), [entries]);
  const shown = entries ? filterLibrary(entries, filter) : [];

  return (
    <Page title="Workflows">
      <div className="toolbar" role="search">
        <div>
          <label htmlFor="wf-search">Search</label>
          <input id="wf-search" type="search" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} placeholder="name, tag, description" />
        </div>
        <div>
          <label htmlFor="wf-category">Category</label>
          <select id="wf-category" value={filter.category} onChange={(e) => setFilter({ ...filter, category: e.target.value })}>
            <option value="">all</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="wf-tag">Tag</label>
          <select id="wf-tag" value={filter.tag} onChange={(e) => setFilter({ ...filter, tag: e.target.value })}>
            <option value="">all</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="wf-source">Source</label>
          <select id="wf-source" value={filter.source} onChange={(e) => setFilter({ ...filter, source: e.target.value })}>
            <option value="">all</option>
            <option value="stored">stored</option>
            <option value="file">files</option>
            <option value="template">templates</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      {!entries && !error && <p role="status">Loading…</p>}
      {entries && shown.length === 0 && <p>No workflow matches.</p>}
      <ul className="cards" aria-label="Workflows" style={{ listStyle: 'none', padding: 0 }}>
        {shown.map((e) => (
          <li className="card" key={e.ref} data-workflow={e.ref}>
            <h2>{e.name}</h2>
            <div className="meta mono">{e.ref}</div>
            {e.description && <div>{e.description}</div>}
            <div className="meta">
              {e.source === 'template' ? 'built-in template' : e.source === 'file' ? `file ${e.path ?? ''}` : 'stored'}
              {e.version ? ` · v${e.version}` : ''}
              {e.revision ? ` · revision ${e.revision}` : ''} · {e.steps} step{e.steps === 1 ? '' : 's'}
              {e.category ? ` · ${e.category}` : ''}
            </div>
            <div className="meta">{e.successRate !== undefined ? `success ${Math.round(e.successRate * 100)}% of ${e.runs} run${e.runs === 1 ? '' : 's'}` : 'no finished runs yet'}</div>
            {e.tags.length > 0 && (
              <div className="tags">
                {e.tags.map((t) => (
                  <span className="badge" key={t}>
                    {t}
                  </span>
                ))}
              </div>
            )}
            <div className="row">
              {canRun && (
                <button type="button" className="primary" onClick={() => setRunning(e)} aria-label={`Run ${e.name}`}>
                  Run
                </button>
              )}
              {e.source !== 'template' && (
                <button type="button" onClick={() => void getWorkflow(e.ref).then((d) => setDetails(d.template), setError)} aria-label={`Versions of ${e.name}`}>
                  Versions
                </button>
              )}
              <a href={`#/runs?workflow=${encodeURIComponent(e.ref)}`}>Runs</a>
            </div>
          </li>
        ))}
      </ul>
      {running && <RunDialog entry={running} onClose={() => setRunning(undefined)} />}
      {details && <VersionsDialog detail={details} onClose={() => setDetails(undefined)} />}
    </Page>
  );
}

function rateOf(figures: { successRate?: number; runs: number } | undefined) {
  if (!figures) return {};
  return { runs: figures.runs, ...(figures.successRate !== undefined ? { successRate: figures.successRate } : {}) };
}

function RunDialog({ entry, onClose }: { entry: LibraryEntry; onClose(): void }) {
  const [fields, setFields] = useState<Field[] | undefined>();
  const [basedOn, setBasedOn] = useState(0);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    prefill(entry.ref).then(
      (p) => {
        setBasedOn(typeof p['basedOn'] === 'number' ? p['basedOn'] : 0);
        setFields(fieldsFromParameters(entry.parameters, p.parameters));
      },
      () => setFields(fieldsFromParameters(entry.parameters)),
    );
  }, [entry]);
  const start = async (values: Record<string, unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      const started = await startRun(entry.ref, values);
      onClose();
      navigate(`/runs/${started.execution_id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Run ${entry.name}`} onClose={onClose}>
      {basedOn > 0 && <p className="hint">Pre-filled with the values used most in {basedOn} successful run{basedOn === 1 ? '' : 's'}.</p>}
      {fields ? <FieldsForm fields={fields} submitLabel="Start run" onSubmit={start} onCancel={onClose} busy={busy} /> : <p role="status">Loading…</p>}
      <ErrorMessage error={error} />
    </Modal>
  );
}

function VersionsDialog({ detail, onClose }: { detail: WorkflowDetail; onClose(): void }) {
  return (
    <Modal title={`${detail.name}: revisions`} onClose={onClose}>
      <table>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">Version</th>
            <th scope="col">Stored</th>
            <th scope="col">Hash</th>
          </tr>
        </thead>
        <tbody>
          {detail.revisions.map((r) => (
            <tr key={r.revision}>
              <td>{r.revision}</td>
              <td>{r.version}</td>
              <td>{new Date(r.createdAt).toLocaleString()}</td>
              <td className="mono">{r.hash.slice(0, 12)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
