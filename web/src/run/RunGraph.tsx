import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useMemo, useRef } from 'react';
import { layout, NODE_HEIGHT, NODE_WIDTH } from './layout';
import type { GraphStep } from './model';

type StepNode = Node<{ step: GraphStep; selected: boolean }, 'step'>;
type PhaseNode = Node<{ phase: string }, 'phase'>;

const StepBox = memo(function StepBox({ data }: NodeProps<StepNode>) {
  const { step, selected } = data;
  const done = step.instances.filter((i) => i.status === 'succeeded').length;
  return (
    <div className={`step-node s-${step.status}${selected ? ' is-selected' : ''}`} data-step={step.id} data-status={step.status} style={{ width: NODE_WIDTH, height: NODE_HEIGHT }} aria-label={`step ${step.id}: ${step.status}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="step-node-id">{step.id}</div>
      <div className="step-node-meta">
        <span className={`status s-${step.status}`}>{step.status}</span>
        {step.instances.length > 1 && <span> {done}/{step.instances.length}</span>}
        {step.command && <span className="hint"> · {step.command}</span>}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

function PhaseBox({ data }: NodeProps<PhaseNode>) {
  return (
    <div className="phase-box" aria-hidden>
      <span>{data.phase}</span>
    </div>
  );
}

const nodeTypes = { step: StepBox, phase: PhaseBox };

/**
 * The run drawn as its DAG (@xyflow/react, laid out by dagre), statuses coloured, phases
 * as boxes behind their steps. The layout is computed once per shape: live status changes
 * only restyle the boxes, so a 500-step run stays responsive.
 */
export default function RunGraph({ steps, selected, onSelect }: { steps: GraphStep[]; selected: string | undefined; onSelect(id: string): void }) {
  const current = useRef(selected);
  current.current = selected;
  const shape = steps.map((s) => `${s.id}<${s.dependsOn.join(',')}|${s.phase ?? ''}`).join(';');
  // Laid out again only when the shape (steps, edges, phases) changes, not on status changes.
  const placed = useMemo(() => layout(steps), [shape]); // steps read through shape
  const nodes = useMemo<Array<StepNode | PhaseNode>>(() => {
    const pos = new Map(placed.nodes.map((n) => [n.id, n]));
    const phaseNodes: PhaseNode[] = placed.phases.map((p) => ({
      id: `phase:${p.phase}`,
      type: 'phase',
      position: { x: p.x, y: p.y },
      data: { phase: p.phase },
      style: { width: p.width, height: p.height },
      selectable: false,
      draggable: false,
      focusable: false,
      zIndex: -1,
    }));
    const stepNodes: StepNode[] = steps.map((s) => ({
      id: s.id,
      type: 'step',
      position: { x: pos.get(s.id)?.x ?? 0, y: pos.get(s.id)?.y ?? 0 },
      // Highlighted through data, not xyflow's own `selected`: feeding the selection back
      // into the graph would echo as selection changes.
      data: { step: s, selected: s.id === selected },
      draggable: false,
      ariaLabel: `step ${s.id}, ${s.status}`,
    }));
    return [...phaseNodes, ...stepNodes];
  }, [placed, steps, selected]);
  const edges = useMemo<Edge[]>(() => {
    const known = new Set(steps.map((s) => s.id));
    const status = new Map(steps.map((s) => [s.id, s.status]));
    return steps.flatMap((s) =>
      s.dependsOn
        .filter((d) => known.has(d))
        .map((d) => ({
          id: `${d}->${s.id}`,
          source: d,
          target: s.id,
          animated: status.get(s.id) === 'running',
          markerEnd: { type: MarkerType.ArrowClosed },
          focusable: false,
        })),
    );
  }, [steps]);
  return (
    <div className="dag" aria-label="Run graph: select a step to see its details">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        minZoom={0.05}
        nodesConnectable={false}
        nodesDraggable={false}
        onlyRenderVisibleElements={steps.length > 150}
        onNodeClick={(_e, node) => {
          if (node.type === 'step') onSelect(node.id);
        }}
        onNodesChange={(changes) => {
          // Keyboard selection (Tab to a step, Enter) arrives as a `select` change.
          for (const change of changes) {
            if (change.type === 'select' && change.selected && !change.id.startsWith('phase:') && change.id !== current.current) onSelect(change.id);
          }
        }}
        proOptions={{ hideAttribution: true }}
        colorMode="system"
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
