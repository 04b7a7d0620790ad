import { Background, Controls, Handle, Position, ReactFlow, ReactFlowProvider, useReactFlow, type Connection, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState, type DragEvent } from 'react';
import type { DraftStep } from './graph-of';
import { COMMAND_DRAG_TYPE } from './drag';
import { layoutSteps, NODE_HEIGHT, NODE_WIDTH } from './layout';


export interface DagPreviewProps {
  steps: readonly DraftStep[];
  /** A command dropped on the canvas. */
  onDropCommand(command: string): void;
  /** An edge drawn from `on` (its bottom handle) to `step` (its top handle): `step` depends on `on`. */
  onConnect(on: string, step: string): void;
  /** Edges selected and deleted (Backspace/Delete). */
  onDisconnect(on: string, step: string): void;
  onSelectStep(id: string): void;
}

type StepNodeData = { id: string; command: string };

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  return (
    <div className="designer-node" style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}>
      <Handle type="target" position={Position.Top} aria-label={`dependency into ${data.id}`} />
      <div className="designer-node-id">{data.id}</div>
      <div className="designer-node-command">{data.command}</div>
      <Handle type="source" position={Position.Bottom} aria-label={`${data.id} is needed by`} />
    </div>
  );
}

const nodeTypes = { step: StepNode };

function Canvas({ steps, onDropCommand, onConnect, onDisconnect, onSelectStep }: DagPreviewProps) {
  const flow = useReactFlow();
  // The graph comes from the text, so React Flow is controlled; only the edge selection (for Delete) lives here.
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const { nodes, edges } = useMemo(() => {
    const positions = layoutSteps(steps);
    const nodes: Node<StepNodeData>[] = steps.map((s) => ({
      id: s.id,
      type: 'step',
      position: positions.get(s.id) ?? { x: 0, y: 0 },
      data: { id: s.id, command: s.command },
      ariaLabel: `step ${s.id}, runs ${s.command}${s.dependsOn.length > 0 ? `, after ${s.dependsOn.join(', ')}` : ''}`,
    }));
    const edges: Edge[] = steps.flatMap((s) =>
      s.dependsOn.map((d) => ({ id: `${d}->${s.id}`, source: d, target: s.id, ariaLabel: `${s.id} depends on ${d}`, selected: selected.has(`${d}->${s.id}`) })),
    );
    return { nodes, edges };
  }, [steps, selected]);

  const shape = nodes.map((n) => n.id).join('\u0000');
  useEffect(() => {
    // Re-frame when steps come or go, after React Flow has measured them.
    const handle = requestAnimationFrame(() => void flow.fitView({ padding: 0.2, maxZoom: 1.2 }));
    return () => cancelAnimationFrame(handle);
  }, [shape, flow]);

  const onDragOver = (e: DragEvent) => {
    if (e.dataTransfer.types.includes(COMMAND_DRAG_TYPE)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  };
  const onDrop = (e: DragEvent) => {
    const command = e.dataTransfer.getData(COMMAND_DRAG_TYPE);
    if (!command) return;
    e.preventDefault();
    onDropCommand(command);
  };

  return (
    <div className="designer-canvas" onDragOver={onDragOver} onDrop={onDrop} data-testid="designer-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable
        elementsSelectable
        onConnect={(c: Connection) => {
          if (c.source && c.target) onConnect(c.source, c.target);
        }}
        onEdgesChange={(changes) => {
          const next = new Set(selected);
          for (const c of changes) {
            if (c.type !== 'select') continue;
            if (c.selected) next.add(c.id);
            else next.delete(c.id);
          }
          if (next.size !== selected.size || [...next].some((id) => !selected.has(id))) setSelected(next);
        }}
        onEdgesDelete={(deleted) => deleted.forEach((e) => onDisconnect(e.source, e.target))}
        deleteKeyCode={['Backspace', 'Delete']}
        onNodeClick={(_e, node) => onSelectStep(node.id)}
        fitView
        proOptions={{ hideAttribution: true }}
        minZoom={0.2}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      {steps.length === 0 && <p className="designer-canvas-empty">Drop a command here to add a step.</p>}
    </div>
  );
}

/** The live DAG of the definition being typed; drop commands on it, draw edges to add dependencies. */
export default function DagPreview(props: DagPreviewProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
