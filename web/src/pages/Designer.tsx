import { lazy, Suspense, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { ApiError, getWorkflow, listWorkflows, saveWorkflow, startRun } from '../api';
import { ErrorMessage, Page } from '../components';
import { CommandPalette } from '../designer/CommandPalette';
import { listCommands, validateText, workflowSchema, type Plan } from '../designer/api';
import type { CommandEntry, JsonSchema } from '../designer/completion';
import { graphOf } from '../designer/graph-of';
import { PlanView } from '../designer/PlanView';
import { STARTER } from '../designer/starter';
import { useValidation } from '../designer/use-validation';
import { addDependency, addStep, removeDependency, starterParameters, type EditResult } from '../designer/yaml-edit';
import '../designer/designer.css';
import { hashQuery, navigate } from '../router';
import type { PageProps } from '../routes';
import { useCan } from '../session';
import type { WorkflowSummary } from '../types';

// The editor and the graph are most of this page's weight: they load after its first paint.
const YamlEditor = lazy(() => import('../designer/YamlEditor'));
const DagPreview = lazy(() => import('../designer/DagPreview'));

type Notice = { kind: 'ok' | 'error'; text: string };

/** Design a workflow: YAML on one side, its graph on the other, both editable; validate, dry-run, save, run. */
export default function Designer({ path }: PageProps) {
  const canSave = useCan('admin');
  const canRun = useCan('operator');
  const ids = useId();
  const [text, setText] = useState(STARTER);
  const [commands, setCommands] = useState<CommandEntry[]>([]);
  const [schema, setSchema] = useState<JsonSchema>();
  const [stored, setStored] = useState<WorkflowSummary[]>([]);
  const [openId, setOpenId] = useState('');
  const [loadError, setLoadError] = useState<unknown>();
  const [notice, setNotice] = useState<Notice>();
  const [plan, setPlan] = useState<Plan>();
  const [saved, setSaved] = useState<{ id: string; revision: number; text: string }>();
  const [busy, setBusy] = useState(false);
  const [reveal, setReveal] = useState<{ offset: number }>();
  const [dependent, setDependent] = useState('');
  const [prerequisite, setPrerequisite] = useState('');
  const validation = useValidation(text);
  const graph = useMemo(() => graphOf(text), [text]);

  useEffect(() => {
    listCommands().then((a) => setCommands(a.commands), setLoadError);
    workflowSchema().then(setSchema, setLoadError);
    listWorkflows().then((a) => setStored(a.templates), () => undefined);
  }, []);

  const open = useCallback(async (id: string) => {
    try {
      const { template } = await getWorkflow(id);
      setText(template.source);
      setPlan(undefined);
      setSaved({ id: template.id, revision: template.revision, text: template.source });
      setNotice({ kind: 'ok', text: `Opened ${template.id}, revision ${template.revision}.` });
    } catch (err) {
      setNotice({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  // `#/designer?workflow=ID` opens a stored workflow (the Workflows page links here).
  const wanted = hashQuery(path).get('workflow');
  useEffect(() => {
    if (wanted) void open(wanted);
  }, [wanted, open]);

  const apply = (result: EditResult, done: string) => {
    if (result.ok) {
      setText(result.text);
      setPlan(undefined);
      setNotice({ kind: 'ok', text: done });
    } else {
      setNotice({ kind: 'error', text: result.error });
    }
  };
  const onAddCommand = (command: string) => {
    const entry = commands.find((c) => c.name === command);
    // A named command brings its own preset parameters: starters would override them.
    const params = entry?.kind === 'named' ? undefined : starterParameters(command, entry?.parameters as Record<string, unknown> | undefined);
    const result = addStep(text, command, params ? { parameters: params } : {});
    apply(result, result.ok ? `Added step ${result.id ?? ''} (${command}).` : '');
  };
  const onConnect = (on: string, step: string) => apply(addDependency(text, on, step), `${step} now waits for ${on}.`);
  const onDisconnect = (on: string, step: string) => apply(removeDependency(text, on, step), `${step} no longer waits for ${on}.`);
  const onSelectStep = (id: string) => {
    const step = graph.steps.find((s) => s.id === id);
    if (step) setReveal({ offset: step.offset });
  };

  const dryRun = async () => {
    setBusy(true);
    setPlan(undefined);
    try {
      const answer = await validateText(text, 'paranoid');
      if (answer.plan) {
        setPlan(answer.plan);
        setNotice({ kind: 'ok', text: `Dry run: ${answer.plan.order.length} steps in ${answer.plan.groups.length} stages.` });
      } else {
        const errors = answer.diagnostics.filter((d) => d.severity === 'error').length;
        setNotice({ kind: 'error', text: `No plan: the definition has ${errors} error${errors === 1 ? '' : 's'} (see Problems).` });
      }
    } catch (err) {
      setNotice({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setBusy(true);
    try {
      const { template, created } = await saveWorkflow(text, 'yaml');
      setSaved({ id: template.id, revision: template.revision, text });
      setStored((list) => [template, ...list.filter((w) => w.id !== template.id)]);
      setNotice({ kind: 'ok', text: created ? `Saved ${template.id} as revision ${template.revision}.` : `No change: ${template.id} revision ${template.revision} already holds this text.` });
    } catch (err) {
      const count = err instanceof ApiError && Array.isArray(err.details?.diagnostics) ? ` (${err.details.diagnostics.length} problems)` : '';
      setNotice({ kind: 'error', text: `Not saved: ${err instanceof Error ? err.message : String(err)}${count}` });
    } finally {
      setBusy(false);
    }
  };

  const run = async () => {
    if (!saved) return;
    setBusy(true);
    try {
      const started = await startRun(saved.id, {});
      navigate(`/runs/${started.execution_id}`);
    } catch (err) {
      setNotice({ kind: 'error', text: `Not started: ${err instanceof Error ? err.message : String(err)}` });
      setBusy(false);
    }
  };

  const result = validation.result;
  const marks = useMemo(() => (result ? { text: result.text, diagnostics: result.answer.diagnostics } : undefined), [result]);
  const current = result && result.text === text ? result.answer : undefined;
  const diagnostics = validation.result?.answer.diagnostics ?? [];
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const lineOffset = (line: number | undefined, col: number | undefined) => {
    if (line === undefined) return 0;
    let at = 0;
    for (let l = 1; l < line; l++) {
      const next = text.indexOf('\n', at);
      if (next < 0) break;
      at = next + 1;
    }
    return at + Math.max((col ?? 1) - 1, 0);
  };
  const savedIsCurrent = saved !== undefined && saved.text === text;

  return (
    <Page
      title="Designer"
      actions={
        <div className="row">
          <label htmlFor={`${ids}-open`} className="visually-hidden">
            Open a stored workflow
          </label>
          <select id={`${ids}-open`} value={openId} onChange={(e) => setOpenId(e.target.value)}>
            <option value="">Open a stored workflow…</option>
            {stored.map((w) => (
              <option key={w.id} value={w.id}>
                {w.id} (revision {w.revision})
              </option>
            ))}
          </select>
          <button type="button" disabled={!openId} onClick={() => void open(openId)}>
            Open
          </button>
          <button
            type="button"
            onClick={() => {
              setText(STARTER);
              setSaved(undefined);
              setPlan(undefined);
            }}
          >
            New
          </button>
          <button type="button" onClick={() => void dryRun()} disabled={busy}>
            Dry run
          </button>
          {canSave && (
            <button type="button" className="primary" onClick={() => void save()} disabled={busy}>
              Save as new version
            </button>
          )}
          {canRun && (
            <button type="button" onClick={() => void run()} disabled={busy || !savedIsCurrent} title={savedIsCurrent ? `Run ${saved.id}` : 'Save first: a run uses a stored revision'}>
              Run
            </button>
          )}
        </div>
      }
    >
      <ErrorMessage error={loadError} />
      <p role="status" aria-live="polite" className={`designer-notice ${notice?.kind === 'error' ? 'error' : ''}`} data-testid="designer-notice">
        {notice?.text ?? ''}
      </p>
      <div className="designer-layout">
        <CommandPalette commands={commands} onAdd={onAddCommand} />
        <section className="designer-pane" aria-labelledby={`${ids}-yaml`}>
          <h2 id={`${ids}-yaml`}>
            YAML{' '}
            <span className="hint" role="status" data-testid="designer-validity">
              {validation.pending ? 'checking…' : current ? (current.valid ? '✓ valid' : `✗ ${errors} error${errors === 1 ? '' : 's'}`) : ''}
            </span>
          </h2>
          <Suspense fallback={<p role="status">Loading the editor…</p>}>
            <YamlEditor
              value={text}
              onChange={setText}
              diagnostics={marks}
              schema={schema}
              commands={commands}
              reveal={reveal}
              label="Workflow definition (YAML)"
            />
          </Suspense>
        </section>
        <section className="designer-pane" aria-labelledby={`${ids}-graph`}>
          <h2 id={`${ids}-graph`}>Graph</h2>
          {graph.problem && <p className="hint">{graph.problem}</p>}
          <Suspense fallback={<p role="status">Loading the graph…</p>}>
            <DagPreview steps={graph.steps} onDropCommand={onAddCommand} onConnect={onConnect} onDisconnect={onDisconnect} onSelectStep={onSelectStep} />
          </Suspense>
          <form
            className="row designer-connect"
            onSubmit={(e) => {
              e.preventDefault();
              if (dependent && prerequisite) onConnect(prerequisite, dependent);
            }}
          >
            <label htmlFor={`${ids}-dependent`}>Step</label>
            <select id={`${ids}-dependent`} value={dependent} onChange={(e) => setDependent(e.target.value)}>
              <option value="">choose…</option>
              {graph.steps.map((s) => (
                <option key={s.id}>{s.id}</option>
              ))}
            </select>
            <label htmlFor={`${ids}-prerequisite`}>waits for</label>
            <select id={`${ids}-prerequisite`} value={prerequisite} onChange={(e) => setPrerequisite(e.target.value)}>
              <option value="">choose…</option>
              {graph.steps.map((s) => (
                <option key={s.id}>{s.id}</option>
              ))}
            </select>
            <button type="submit" disabled={!dependent || !prerequisite}>
              Add dependency
            </button>
          </form>
        </section>
      </div>
      <section className="panel designer-problems" aria-labelledby={`${ids}-problems`}>
        <h2 id={`${ids}-problems`}>Problems</h2>
        {diagnostics.length === 0 ? (
          <p className="hint">{current?.valid ? 'None: the definition is valid.' : 'None yet.'}</p>
        ) : (
          <ul>
            {diagnostics.map((d, i) => (
              <li key={i} className={d.severity === 'error' ? 'error' : 'designer-warning'}>
                <button type="button" className="link" onClick={() => setReveal({ offset: lineOffset(d.line, d.col) })}>
                  {d.line !== undefined ? `line ${d.line}${d.col !== undefined ? `:${d.col}` : ''}` : 'file'}
                </button>{' '}
                {d.severity} <span className="mono">{d.code}</span>: {d.message}
                {d.fix && <div className="hint">fix: {d.fix}</div>}
              </li>
            ))}
          </ul>
        )}
        {validation.error !== undefined && <ErrorMessage error={validation.error} />}
      </section>
      {plan && <PlanView plan={plan} />}
    </Page>
  );
}
