import pc from 'picocolors';
import type { RunStatus, StepStatus } from '../app/index.js';

/** 0.012s, 1.5s, 2m03s, 1h04m: short enough for a status column. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return '';
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 3 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const STEP_ICONS: Record<StepStatus, string> = {
  pending: pc.dim('·'),
  queued: pc.dim('○'),
  running: pc.cyan('▶'),
  waiting: pc.yellow('⏸'),
  retrying: pc.yellow('↻'),
  succeeded: pc.green('✓'),
  failed: pc.red('✗'),
  skipped: pc.dim('⤼'),
  cancelled: pc.magenta('⊘'),
};

export function stepIcon(status: StepStatus): string {
  return STEP_ICONS[status];
}

export function colorStatus(status: RunStatus | StepStatus): string {
  switch (status) {
    case 'succeeded':
      return pc.green(status);
    case 'failed':
    case 'rollback_failed':
      return pc.red(status);
    case 'rolled_back':
    case 'rolling_back':
      return pc.yellow(status);
    case 'running':
      return pc.cyan(status);
    case 'waiting':
    case 'retrying':
      return pc.yellow(status);
    case 'cancelled':
      return pc.magenta(status);
    default:
      return pc.dim(status);
  }
}

/** A plain table: columns padded to the widest cell (ANSI colours ignored when measuring). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)))).join('  ')).join('\n');
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(s: string): string['length'] {
  return s.replace(ANSI, '').length;
}

export function time(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
