import { useId, useState, type DragEvent } from 'react';
import type { CommandEntry } from './completion';
import { COMMAND_DRAG_TYPE } from './drag';

/**
 * The commands a step may run. Drag one onto the canvas, or activate it (click, Enter or
 * Space) to append a step: the keyboard path does all the mouse path does.
 */
export function CommandPalette({ commands, onAdd, disabled }: { commands: readonly CommandEntry[]; onAdd(command: string): void; disabled?: boolean }) {
  const [filter, setFilter] = useState('');
  const id = useId();
  const shown = commands.filter((c) => c.name.includes(filter.trim().toLowerCase()) || c.summary.toLowerCase().includes(filter.trim().toLowerCase()));
  return (
    <section className="designer-palette panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Commands</h2>
      <p className="hint" id={`${id}-hint`}>
        Drag a command onto the graph, or press it to add a step.
      </p>
      <label htmlFor={`${id}-filter`}>Filter commands</label>
      <input id={`${id}-filter`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <ul aria-describedby={`${id}-hint`}>
        {shown.map((c) => (
          <li key={c.name}>
            <button
              type="button"
              className="designer-command"
              draggable={!disabled}
              disabled={disabled}
              data-command={c.name}
              aria-label={`Add a ${c.name} step`}
              title={c.summary}
              onClick={() => onAdd(c.name)}
              onDragStart={(e: DragEvent) => {
                e.dataTransfer.setData(COMMAND_DRAG_TYPE, c.name);
                e.dataTransfer.setData('text/plain', c.name);
                e.dataTransfer.effectAllowed = 'copy';
              }}
            >
              <span className="mono">{c.name}</span>
              {c.kind === 'named' && <span className="badge">named</span>}
              <span className="designer-command-summary">{c.summary}</span>
            </button>
          </li>
        ))}
        {shown.length === 0 && <li className="hint">No command matches.</li>}
      </ul>
    </section>
  );
}
