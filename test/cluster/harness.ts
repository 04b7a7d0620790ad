import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../cli/cli.js';

/**
 * Real processes of a cluster sharing one PostgreSQL database (docs/cluster.md): engine
 * nodes (`cairn serve`) and workers (`cairn worker`), started from the built CLI, with their
 * output kept for the test to read.
 */
export class Member {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Wait until the output matches; the match. */
  async waitFor(pattern: RegExp, what = String(pattern)): Promise<RegExpMatchArray> {
    return until(() => (this.stderr + this.stdout).match(pattern) ?? undefined, `${what} in the output of process ${this.pid}:\n${this.stderr}`);
  }
}

export function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'cairn-cluster-'));
}

export function writeFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function startWorker(db: string, cwd: string, flags: string[] = []): Member {
  return new Member(spawn(process.execPath, [BIN, '--db', db, 'worker', '--lease', '1', ...flags], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** A `cairn serve` node; resolves once it listens, with its URL. */
export async function startNode(db: string, cwd: string, flags: string[] = []): Promise<{ node: Member; url: string }> {
  const node = new Member(spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0', ...flags], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const [, url] = await node.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 'the node to listen');
  return { node, url: url as string };
}

export async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
