import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, logIn, SCREENSHOTS, startCairn, until, type CairnProcess } from './browser.js';

const GREET = `id: greet
name: Greet
description: Say hello to the team
tags: [demo]
steps:
  - id: hello
    command: shell
    parameters:
      run: echo hello
`;

const DISK_CHECK = `id: disk-check
name: Disk check
description: Check free disk space on the build host
steps:
  - id: df
    command: shell
    parameters:
      run: echo "disk full" >&2; exit 3
`;

/**
 * The designer end to end: a real `cairn serve` child and Chromium. Two steps are added by
 * dragging commands from the palette onto the graph, connected by drawing an edge between
 * them, saved, and run to success. Also takes the Designer, Analytics and Settings screenshots.
 */
describe('designing a workflow in the browser', () => {
  let cairn: CairnProcess;
  let browser: Browser;
  let page: Page;

  // The whole page, so the dry run's plan and the suggestions show too. Into docs/ only
  // when asked (CAIRN_SCREENSHOTS=1): a test run must not change the work tree.
  const screenshot = (page: Page, name: string) => {
    const dir = process.env['CAIRN_SCREENSHOTS'] === '1' ? SCREENSHOTS : join(tmpdir(), 'cairn-e2e-screenshots');
    mkdirSync(dir, { recursive: true });
    return page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  };

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${cairn.url}/api/v1${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${cairn.adminKey}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return (await res.json()) as Record<string, any>;
  };

  beforeAll(async () => {
    cairn = await startCairn({ 'greet.yaml': GREET, 'disk-check.yaml': DISK_CHECK });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // A missing element fails naming its locator, well before the test's own limit.
    page.setDefaultTimeout(20_000);
    await logIn(page, cairn.url, cairn.adminKey);
  });
  afterAll(async () => {
    await browser?.close();
    await cairn?.stop();
  });

  it('adds two steps by drag-and-drop, connects them, saves, and runs the workflow to success', async () => {
    await page.goto(`${cairn.url}/#/designer`);
    const palette = page.getByRole('button', { name: 'Add a log step' });
    await palette.waitFor();
    await page.locator('.cm-editor').waitFor();
    const canvas = page.getByTestId('designer-canvas');
    await canvas.waitFor();

    await palette.dragTo(canvas);
    await page.locator('.react-flow__node[data-id="log"]').waitFor();
    await palette.dragTo(canvas);
    await page.locator('.react-flow__node[data-id="log-2"]').waitFor();
    expect(await page.getByTestId('designer-notice').textContent()).toBe('Added step log-2 (log).');

    const notice = page.getByTestId('designer-notice');
    const noticeSays = (text: string) => until(async () => ((await notice.textContent()) === text ? true : undefined), `the notice to say: ${text}`);
    // Where a handle's centre is, once the graph has stopped moving (it is laid out again and re-framed after each change).
    const centre = async (selector: string) => {
      let last = '';
      return until(async () => {
        const box = await page.locator(selector).boundingBox();
        const at = box ? JSON.stringify({ x: box.x + box.width / 2, y: box.y + box.height / 2 }) : '';
        const settled = at !== '' && at === last;
        last = at;
        if (settled) return JSON.parse(at) as { x: number; y: number };
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      }, `${selector} to settle`);
    };
    const source = '.react-flow__node[data-id="log"] .react-flow__handle.source';
    const target = '.react-flow__node[data-id="log-2"] .react-flow__handle.target';
    // Draw an edge from log's bottom handle to log-2's top handle: log-2 now depends on log.
    const connect = async () => {
      const from = await centre(source);
      const to = await centre(target);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 12 });
      await page.mouse.up();
      await noticeSays('log-2 now waits for log.');
      await page.locator('.react-flow__edge[data-id="log->log-2"]').waitFor({ state: 'attached' });
    };
    await connect();
    // Select the edge (click halfway along it) and press Delete: the dependency goes; then draw it again.
    const from = await centre(source);
    const to = await centre(target);
    await page.mouse.click((from.x + to.x) / 2, (from.y + to.y) / 2);
    await page.keyboard.press('Delete');
    await noticeSays('log-2 no longer waits for log.');
    await page.locator('.react-flow__edge[data-id="log->log-2"]').waitFor({ state: 'detached' });
    await connect();
    const yaml = await page.locator('.cm-content').innerText();
    expect(yaml).toContain('depends_on: [ log ]');
    await until(async () => ((await page.getByTestId('designer-validity').textContent()) === '✓ valid' ? true : undefined), 'the validator to accept it');

    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('region', { name: 'Dry run: my-workflow' }).waitFor();
    await screenshot(page, 'designer');

    await page.getByRole('button', { name: 'Save as new version' }).click();
    await noticeSays('Saved my-workflow as revision 1.');
    const stored = await api('/workflows/templates/my-workflow');
    expect(stored.template.source).toContain('depends_on: [ log ]');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const runId = await until(() => /#\/runs\/([^/?]+)/.exec(page.url())?.[1], 'the run page to open');
    const run = await until(async () => {
      const r = (await api(`/workflows/executions/${runId}`)).run;
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    }, 'the run to finish');
    expect(run.status).toBe('succeeded');
    expect(run.workflowId).toBe('my-workflow');
    // And the run page shows it: the run and both designed steps green.
    await page.locator('[data-run-status="succeeded"]').waitFor();
    await page.locator('[data-step="log"][data-status="succeeded"]').waitFor();
    await page.locator('[data-step="log-2"][data-status="succeeded"]').waitFor();
  }, 120_000);

  it('shows analytics with a suggestion, and settings with a new key', async () => {
    for (const workflow of ['greet', 'greet', 'disk-check']) {
      const started = await api('/workflows/execute', { body: { workflow_id: workflow } });
      await until(async () => (['succeeded', 'failed'].includes((await api(`/workflows/executions/${started.execution_id}`)).run.status) ? true : undefined), `${workflow} to finish`);
    }
    await page.goto(`${cairn.url}/#/analytics`);
    const summary = page.getByTestId('analytics-summary');
    let said: string | null = null;
    await until(async () => ((said = await summary.textContent())?.startsWith('4 runs of 3 workflows') ? true : undefined), () => `the analytics summary (it says: ${said})`);
    await page.getByLabel('What do you want to do?').fill('check the disk space');
    await page.getByRole('button', { name: 'Suggest' }).click();
    await page.locator('ol.suggestions > li').first().waitFor();
    expect(await page.locator('ol.suggestions > li').first().textContent()).toContain('disk-check');
    await screenshot(page, 'analytics');

    await page.goto(`${cairn.url}/#/settings`);
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByLabel('Name (who holds it)').fill('deploy-bot');
    await keys.getByRole('button', { name: 'Create key' }).click();
    await keys.getByTestId('shown-once-secret').waitFor();
    await keys.getByRole('row').filter({ hasText: 'deploy-bot' }).waitFor();
    await screenshot(page, 'settings');
  }, 120_000);
});
