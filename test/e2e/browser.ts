import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser) against a real
 * `cairn serve` child process built by `npm run build` (bin/cairn.js, dist/web).
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'cairn.js');
export const CHROMIUM = process.env['CAIRN_CHROMIUM'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

export interface CairnProcess {
  url: string;
  /** The admin key the first start printed. */
  adminKey: string;
  dir: string;
  workflows: string;
  /** Runs `cairn` against the same store (e.g. `keys create`), returns stdout. */
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** `cairn serve --port 0` in a temp workspace with these workflow files. */
export async function startCairn(files: Record<string, string>): Promise<CairnProcess> {
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) throw new Error('the dashboard is not built: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
  const workflows = join(dir, 'workflows');
  mkdirSync(workflows);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workflows, name), text);
  const db = join(dir, 'cairn.db');
  const child: ChildProcess = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0', '--workflows', workflows, '--shutdown-grace', '5'], {
    cwd: dir,
    // Unread pipes fill up and block the server: stdout is not needed, stderr is read below.
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const url = await until(() => /listening on (http:\/\/\S+) /.exec(stderr)?.[1], () => `the server to listen (stderr: ${stderr})`);
  const adminKey = /(cairn_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(stderr)?.[1];
  if (!adminKey) throw new Error(`no admin key printed: ${stderr}`);
  return {
    url,
    adminKey,
    dir,
    workflows,
    cli: (args) =>
      new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [BIN, '--db', db, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`cairn ${args.join(' ')} exited ${code}: ${err}`))));
      }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium with a fresh profile, no sandbox (root in a container), nothing phoning home. */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's Chromium (apt-get install -y chromium), or set CAIRN_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** Opens the dashboard and logs in with the key through the login form. */
export async function logIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/**
 * Takes a screenshot of the page. With CAIRN_SCREENSHOTS=1 it is saved as
 * docs/screenshots/NAME.png (the README and docs/dashboard.md show them); otherwise into a
 * temp folder, so an ordinary test run leaves the work tree as it was.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env['CAIRN_SCREENSHOTS'] === '1' ? SCREENSHOTS : join(tmpdir(), 'cairn-e2e-screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Poll until check() gives a value: no timed assertions, only a generous limit. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string | (() => string), timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
