import dagre from '@dagrejs/dagre';
import type { GraphStep } from './model';

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 58;
const PHASE_PAD = 22;

export interface Placed {
  id: string;
  x: number;
  y: number;
}

export interface PhaseBox {
  phase: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Left-to-right layered layout (dagre): dependencies flow left to right. Phases are drawn
 * as boxes around their steps' positions.
 */
export function layout(steps: GraphStep[]): { nodes: Placed[]; phases: PhaseBox[] } {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 60, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((s) => s.id));
  for (const s of steps) g.setNode(s.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const s of steps) for (const d of s.dependsOn) if (known.has(d)) g.setEdge(d, s.id);
  dagre.layout(g);
  const nodes = steps.map((s) => {
    const n = g.node(s.id) as { x: number; y: number } | undefined;
    return { id: s.id, x: (n?.x ?? 0) - NODE_WIDTH / 2, y: (n?.y ?? 0) - NODE_HEIGHT / 2 };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const boxes = new Map<string, PhaseBox>();
  for (const s of steps) {
    if (!s.phase) continue;
    const n = byId.get(s.id)!;
    const box = boxes.get(s.phase);
    const x1 = n.x - PHASE_PAD;
    const y1 = n.y - PHASE_PAD - 12;
    const x2 = n.x + NODE_WIDTH + PHASE_PAD;
    const y2 = n.y + NODE_HEIGHT + PHASE_PAD;
    if (!box) boxes.set(s.phase, { phase: s.phase, x: x1, y: y1, width: x2 - x1, height: y2 - y1 });
    else {
      const nx = Math.min(box.x, x1);
      const ny = Math.min(box.y, y1);
      box.width = Math.max(box.x + box.width, x2) - nx;
      box.height = Math.max(box.y + box.height, y2) - ny;
      box.x = nx;
      box.y = ny;
    }
  }
  return { nodes, phases: [...boxes.values()] };
}
