import pc from 'picocolors';
import type { Run, RunEvent, StepError, StepStatus } from '../app/index.js';
import { colorStatus, duration, stepIcon } from './format.js';

/** What the progress view needs from a live feed message. */
export type ProgressMessage =
  | { kind: 'event'; event: RunEvent; run: Run }
  | { kind: 'log'; line: { runId: string; step: string; stream: string; line: string } }
  | { kind: 'released'; runId: string }
  | { kind: 'write-failed'; runIds: string[] };

interface StepLine {
  key: string;
  status: StepStatus;
  attempt: number;
  startedAt?: number;
  finishedAt?: number;
  note?: string;
  lastLog?: string;
  error?: StepError;
}

export interface ProgressOptions {
  runId: string;
  workflow: string;
  /** Parallel groups of step ids, from the plan. */
  groups: string[][];
  /** Step ids whose command is `wait` (shown as waiting, with the wake time). */
  waits: Set<string>;
  out: NodeJS.WriteStream;
  tty: boolean;
  /** Print step output lines (plain mode). */
  showLogs: boolean;
}

const MAX_FULL_LINES = 40;

/**
 * Live progress of one run: a redrawn block on a terminal (every step with its state and
 * duration, parallel groups bracketed), plain timestamped lines otherwise (CI, pipes).
 */
export class Progress {
  private readonly steps = new Map<string, StepLine>();
  private run: Run | undefined;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(private readonly opts: ProgressOptions) {
    for (const group of opts.groups) for (const id of group) this.steps.set(id, { key: id, status: 'pending', attempt: 0 });
    if (opts.tty) {
      opts.out.write('\u001b[?25l');
      // Redraw on changes, and every half second anyway so running durations tick.
      let ticks = 0;
      this.timer = setInterval(() => (this.dirty || ++ticks % 5 === 0) && this.draw(), 100);
    } else {
      this.print(`${pc.bold(opts.workflow)} run ${opts.runId}`);
    }
  }

  update(message: ProgressMessage): void {
    if (message.kind === 'log') {
      if (message.line.runId !== this.opts.runId) return;
      const st = this.line(message.line.step);
      st.lastLog = message.line.line;
      if (!this.opts.tty && this.opts.showLogs) this.print(`  ${pc.dim(`${message.line.step} │`)} ${message.line.line}`);
      this.dirty = true;
      return;
    }
    if (message.kind !== 'event' || message.event.runId !== this.opts.runId) return;
    this.run = message.run;
    this.apply(message.event);
    this.dirty = true;
  }

  /** Final frame; restores the cursor. */
  finish(run: Run | undefined): void {
    if (run) this.run = run;
    if (this.timer) clearInterval(this.timer);
    if (this.opts.tty) {
      this.draw();
      this.opts.out.write('\u001b[?25h');
    }
  }

  private apply(event: RunEvent): void {
    const at = event.at;
    switch (event.type) {
      case 'StepStarted': {
        const st = this.line(event.data.step);
        st.attempt = event.data.attempt;
        st.startedAt ??= at;
        st.note = undefined;
        if (this.opts.waits.has(st.key)) {
          st.status = 'waiting';
          const seconds = Number(event.data.parameters?.seconds ?? NaN);
          st.note = Number.isFinite(seconds) ? `until ${new Date(at + seconds * 1000).toLocaleTimeString()}` : 'waiting';
          this.plain(st, `waiting ${st.note}`);
        } else {
          st.status = 'running';
          this.plain(st, event.data.attempt > 1 ? `started (attempt ${event.data.attempt})` : 'started');
        }
        return;
      }
      case 'StepExpanded': {
        const st = this.line(event.data.step);
        st.status = 'running';
        st.startedAt ??= at;
        st.note = `${event.data.count} items`;
        this.plain(st, `fans out over ${event.data.count} items`);
        return;
      }
      case 'StepSucceeded': {
        const st = this.line(event.data.step);
        st.status = 'succeeded';
        st.finishedAt = at;
        if (this.opts.waits.has(st.key)) st.note = undefined;
        this.plain(st, `succeeded in ${duration(at - (st.startedAt ?? at))}`);
        return;
      }
      case 'StepFailed': {
        const st = this.line(event.data.step);
        st.error = event.data.error;
        st.status = event.data.willRetry ? 'retrying' : 'failed';
        if (!event.data.willRetry) st.finishedAt = at;
        this.plain(st, `${event.data.willRetry ? 'attempt failed' : 'failed'}: ${event.data.error.message}`);
        return;
      }
      case 'StepRetryScheduled': {
        const st = this.line(event.data.step);
        st.note = `retry ${event.data.attempt} at ${new Date(event.data.at).toLocaleTimeString()}`;
        this.plain(st, `retries in ${duration(event.data.delayMs)} (attempt ${event.data.attempt})`);
        return;
      }
      case 'StepSkipped': {
        const st = this.line(event.data.step);
        st.status = 'skipped';
        st.note = event.data.reason;
        this.plain(st, `skipped: ${event.data.reason}`);
        return;
      }
      case 'StepCancelled': {
        const st = this.line(event.data.step);
        st.status = 'cancelled';
        st.note = event.data.reason;
        this.plain(st, `cancelled: ${event.data.reason}`);
        return;
      }
      case 'StepInterrupted': {
        const st = this.line(event.data.step);
        st.status = 'queued';
        this.plain(st, `interrupted (${event.data.reason}); will run again`);
        return;
      }
      case 'TaskRequested': {
        const st = this.line(event.data.step);
        const task = event.data.task;
        const verb = task.kind === 'approval' ? 'approve' : 'complete';
        const who = task.assignee ?? (task.approvers?.length ? task.approvers.join(', ') : 'anyone');
        st.status = 'waiting';
        st.note = `waiting for ${task.kind === 'approval' ? `${task.required ?? 1} approval(s)` : 'a task'} (${who}): cairn ${verb} ${this.opts.runId} ${st.key}`;
        this.plain(st, st.note);
        if (!this.opts.tty && task.instructions) this.print(`  ${pc.dim(task.instructions)}`);
        return;
      }
      case 'ApprovalGranted':
      case 'ApprovalRejected':
      case 'TaskCompleted': {
        const st = this.line(event.data.step);
        const what = event.type === 'ApprovalGranted' ? 'approved' : event.type === 'ApprovalRejected' ? 'rejected' : 'completed';
        this.plain(st, `${what} by ${event.data.by}${'comment' in event.data && event.data.comment ? `: ${event.data.comment}` : ''}`);
        return;
      }
      case 'RunPaused':
      case 'RunUnpaused':
        if (!this.opts.tty) this.print(`${event.type === 'RunPaused' ? 'paused' : 'unpaused'}${event.data.by ? ` by ${event.data.by}` : ''}`);
        return;
      case 'RollbackRequested':
        if (!this.opts.tty) this.print(`${pc.yellow('↶')} rolling back (${event.data.strategy})${event.data.reason ? `: ${event.data.reason}` : ''}`);
        return;
      case 'StepCompensated': {
        const st = this.line(event.data.step);
        st.note = 'undone';
        this.plain(st, 'undone');
        return;
      }
      case 'CompensationFailed': {
        const st = this.line(event.data.step);
        st.note = `undo failed: ${event.data.error.message}`;
        this.plain(st, st.note);
        return;
      }
      case 'RunFinished':
        if (!this.opts.tty) this.print(`${pc.bold(this.opts.workflow)} ${colorStatus(event.data.status)}`);
        return;
      default:
        return;
    }
  }

  private line(key: string): StepLine {
    let st = this.steps.get(key);
    if (!st) {
      st = { key, status: 'queued', attempt: 0 };
      this.steps.set(key, st);
    }
    return st;
  }

  private plain(st: StepLine, what: string): void {
    if (this.opts.tty) return;
    this.print(`${stepIcon(st.status)} ${st.key} ${what}`);
  }

  private print(text: string): void {
    const stamp = new Date().toISOString().slice(11, 23);
    this.opts.out.write(`${pc.dim(stamp)} ${text}\n`);
  }

  private draw(): void {
    this.dirty = false;
    const lines = this.frame();
    const out = this.opts.out;
    let text = this.drawn > 0 ? `\u001b[${this.drawn}A\u001b[0J` : '';
    text += lines.join('\n') + '\n';
    out.write(text);
    this.drawn = lines.length;
  }

  private frame(): string[] {
    const run = this.run;
    const now = Date.now();
    const elapsed = run?.startedAt ? duration((run.finishedAt ?? now) - run.startedAt) : '';
    const head = `${pc.bold(this.opts.workflow)} ${pc.dim(this.opts.runId)}  ${run ? colorStatus(run.status) : pc.dim('starting')}  ${pc.dim(elapsed)}`;
    const all = [...this.steps.values()];
    if (all.length > MAX_FULL_LINES) return [head, ...this.compact(all, now)];
    const lines = [head];
    const seen = new Set<string>();
    for (const group of this.opts.groups) {
      const members = group.flatMap((id) => [id, ...all.filter((s) => s.key.startsWith(`${id}[`)).map((s) => s.key)]);
      members.forEach((key, i) => {
        seen.add(key);
        const bracket = members.length === 1 ? '  ' : i === 0 ? '┌ ' : i === members.length - 1 ? '└ ' : '│ ';
        lines.push(...this.stepLines(key, pc.dim(bracket), now));
      });
    }
    for (const st of all) if (!seen.has(st.key)) lines.push(...this.stepLines(st.key, '  ', now));
    return lines;
  }

  private stepLines(key: string, prefix: string, now: number): string[] {
    const st = this.line(key);
    const took = st.startedAt ? duration((st.finishedAt ?? now) - st.startedAt) : '';
    const extra = st.status === 'failed' && st.error ? pc.red(st.error.message) : st.note ? pc.dim(st.note) : st.attempt > 1 ? pc.dim(`attempt ${st.attempt}`) : '';
    const out = [`${prefix}${stepIcon(st.status)} ${st.key.padEnd(24)} ${colorStatus(st.status).padEnd(20)} ${pc.dim(took.padStart(7))}  ${extra}`.trimEnd()];
    if (st.status === 'running' && st.lastLog) out.push(`${' '.repeat(6)}${pc.dim(truncate(st.lastLog, 100))}`);
    return out;
  }

  /** Big runs: counts per state, then what runs and what failed. */
  private compact(all: StepLine[], now: number): string[] {
    const counts = new Map<StepStatus, number>();
    for (const st of all) counts.set(st.status, (counts.get(st.status) ?? 0) + 1);
    const summary = [...counts].map(([status, n]) => `${stepIcon(status)} ${n} ${status}`).join('  ');
    const running = all.filter((s) => s.status === 'running' || s.status === 'waiting' || s.status === 'retrying').slice(0, 10);
    const failed = all.filter((s) => s.status === 'failed').slice(0, 10);
    return [`  ${all.length} steps  ${summary}`, ...running.flatMap((s) => this.stepLines(s.key, '  ', now)), ...failed.flatMap((s) => this.stepLines(s.key, '  ', now))];
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
