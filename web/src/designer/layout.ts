import dagre from '@dagrejs/dagre';
import type { DraftStep } from './graph-of';

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 56;

/** Top-left positions of the steps, dependencies above their dependents (dagre's layered layout). */
export function layoutSteps(steps: readonly DraftStep[]): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 32, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const step of steps) g.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const step of steps) for (const dep of step.dependsOn) g.setEdge(dep, step.id);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const step of steps) {
    const node = g.node(step.id);
    // dagre gives centres; React Flow places nodes by their top-left corner.
    out.set(step.id, { x: node.x - NODE_WIDTH / 2, y: node.y - NODE_HEIGHT / 2 });
  }
  return out;
}
