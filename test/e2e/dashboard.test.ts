import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot, startCairn, until, type CairnProcess } from './browser.js';

const DEPLOY = `id: deploy
name: Deploy a service
description: Build, test and ship one service.
category: delivery
tags: [deploy, demo]
phases: [build, ship]
parameters:
  service: { type: string, required: true, description: The service to deploy }
  replicas: { type: integer, default: 2 }
steps:
  - id: compile
    phase: build
    command: shell
    parameters: { run: 'echo "compiling $SERVICE"; sleep 0.3', env: { SERVICE: "\${{ parameters.service }}" } }
  - id: unit-tests
    phase: build
    command: shell
    depends_on: [compile]
    parameters: { run: 'echo tests pass; sleep 0.3' }
  - id: lint
    phase: build
    command: shell
    depends_on: [compile]
    parameters: { run: 'echo lint clean' }
  - id: publish
    phase: ship
    command: shell
    depends_on: [unit-tests, lint]
    parameters: { run: 'echo "published=yes" >> "$CAIRN_OUTPUT"' }
`;

const RELEASE = `id: release
name: Release with approval
parameters:
  version: { type: string, default: "1.0.0" }
steps:
  - id: approve
    command: approval
    parameters:
      instructions: Approve the release of \${{ parameters.version }}.
      approvers: [admin]
  - id: tag
    command: shell
    depends_on: [approve]
    parameters: { run: echo tagged }
`;

const REVIEW = `id: review
name: Review a change
steps:
  - id: review
    command: task
    parameters:
      instructions: Read the change and give a verdict.
      assignee: operator
      output_schema:
        type: object
        required: [verdict]
        properties:
          verdict: { enum: [ship, changes] }
          note: { type: string }
  - id: report
    command: shell
    depends_on: [review]
    parameters: { run: 'echo "verdict: $V"', env: { V: "\${{ steps.review.outputs.verdict }}" } }
`;

// 500 steps: a root, 499 steps in layers of fan-out below it.
const BIG = ['id: big', 'name: Five hundred steps', 'steps:', '  - { id: s0, command: log, parameters: { message: root } }']
  .concat(Array.from({ length: 499 }, (_, i) => `  - { id: s${i + 1}, command: log, depends_on: [s${Math.floor(i / 4)}], parameters: { message: step } }`))
  .join('\n');

// Each test waits on a real server and browser on a shared machine.
const SLOW = 180_000;

describe('the dashboard in a browser', () => {
  let cairn: CairnProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cairn.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${cairn.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as any;
  };
  const runStatus = async (id: string) => (await api('GET', `/workflows/executions/${id}`)).run.status as string;

  beforeAll(async () => {
    cairn = await startCairn({ 'deploy.yaml': DEPLOY, 'release.yaml': RELEASE, 'review.yaml': REVIEW, 'big.yaml': BIG });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' });
    // Any uncaught error or console error on a page fails the last test.
    // The machine may be busy (other tests, two cores): wait generously, never assert a time.
    page.setDefaultTimeout(90_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, SLOW);
  afterAll(async () => {
    await browser?.close();
    await cairn?.stop();
  }, 60_000);

  it('logs in with the API key and lands on the runs', async () => {
    await page.goto(cairn.url);
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'login');
    await logIn(page, cairn.url, cairn.adminKey);
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(await page.locator('.who .badge').textContent()).toBe('admin');
    expect(await page.evaluate('sessionStorage.getItem("cairn.key")')).toBe(cairn.adminKey);
  }, SLOW);

  it('starts a workflow from its generated form, checked as you type, and watches its DAG turn green live', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    const card = page.locator('[data-workflow="deploy"]');
    await card.waitFor();
    await screenshot(page, 'workflows');
    await page.getByRole('button', { name: 'Run Deploy a service' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^replicas/).fill('two');
    await dialog.getByText('must be a number').waitFor();
    await dialog.getByLabel(/^replicas/).fill('3');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    // A required field left empty is refused before anything is sent.
    await dialog.getByText('service is required').waitFor();
    await dialog.getByLabel(/^service/).fill('payments');
    await screenshot(page, 'run-form');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/#\/runs\/[0-9a-z]+$/);
    const id = page.url().split('/').at(-1)!;
    // The page never polls: each change arrives over the WebSocket and reloads the run.
    for (const step of ['compile', 'unit-tests', 'lint', 'publish']) {
      await page.locator(`.step-node[data-step="${step}"][data-status="succeeded"]`).waitFor();
    }
    await page.locator('[data-run-status="succeeded"]').waitFor();
    const run = await api('GET', `/workflows/executions/${id}`);
    expect(run.run.parameters).toEqual({ service: 'payments', replicas: 3 });
    expect(run.run.startedBy).toBe('admin');
    // Phases are drawn as boxes around their steps.
    expect(await page.locator('.phase-box').count()).toBe(2);
    // The keyboard reaches a step in the graph: focus it, Enter selects it.
    await page.locator('.react-flow__node[data-id="lint"]').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'lint' }).waitFor();
    await page.getByLabel('Step', { exact: true }).selectOption('compile');
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByLabel('Logs of compile').getByText('compiling payments').waitFor();
    await screenshot(page, 'run');
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByRole('list', { name: 'Timeline of attempts' }).waitFor();
    await screenshot(page, 'run-timeline');
  }, SLOW);

  it('approves a waiting run from the inbox', async () => {
    const started = await api('POST', '/workflows/execute', { workflow_id: 'release', parameters: { version: '2.1.0' } });
    const id = started.execution_id as string;
    await until(async () => (await runStatus(id)) === 'waiting', 'the release to wait for approval');
    await page.getByRole('link', { name: 'Inbox' }).click();
    const task = page.locator(`[data-task="${id}/approve"]`);
    await task.waitFor();
    await task.getByText('Approve the release of 2.1.0.').waitFor();
    await screenshot(page, 'inbox');
    await task.getByLabel('Comment (optional)').fill('dashboards are green');
    await task.getByRole('button', { name: 'Approve' }).click();
    await until(async () => (await runStatus(id)) === 'succeeded', 'the approved release to finish');
    await task.waitFor({ state: 'detached' });
    const events = (await api('GET', `/workflows/executions/${id}/events`)).events as Array<{ type: string; data: any }>;
    expect(events.find((e) => e.type === 'ApprovalGranted')?.data).toMatchObject({ by: 'admin', comment: 'dashboards are green' });
  }, SLOW);

  it("completes a task from the run's side panel, with a form made from its output schema", async () => {
    const started = await api('POST', '/workflows/execute', { workflow_id: 'review' });
    const id = started.execution_id as string;
    await until(async () => (await runStatus(id)) === 'waiting', 'the review task to open');
    await page.goto(`${cairn.url}/#/runs/${id}`);
    await page.locator('.step-node[data-step="review"]').waitFor();
    await page.getByLabel('Step', { exact: true }).selectOption('review');
    const task = page.locator(`[data-task="${id}/review"]`);
    await task.getByText('Read the change and give a verdict.').waitFor();
    await task.getByRole('button', { name: 'Complete task' }).click();
    await task.getByText('verdict is required').waitFor();
    await task.getByLabel(/^verdict/).selectOption('ship');
    await task.getByLabel(/^note/).fill('looks good');
    await screenshot(page, 'task');
    await task.getByRole('button', { name: 'Complete task' }).click();
    await page.locator('.step-node[data-step="report"][data-status="succeeded"]').waitFor();
    await page.locator('[data-run-status="succeeded"]').waitFor();
    const view = await api('GET', `/workflows/executions/${id}`);
    expect(view.steps.find((s: any) => s.stepId === 'review').outputs).toMatchObject({ verdict: 'ship', note: 'looks good' });
  }, SLOW);

  it('lists the runs with who started them, filters by status, and shows new runs live', async () => {
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.locator('tr[data-run]').first().waitFor();
    expect(await page.locator('tr[data-run]').count()).toBe(3);
    const started = await api('POST', '/workflows/execute', { workflow_id: 'release' });
    await page.locator(`tr[data-run="${started.execution_id}"]`).waitFor();
    await screenshot(page, 'runs');
    await page.getByLabel('Status').selectOption('waiting');
    await page.waitForURL(/status=waiting/);
    await until(async () => (await page.locator('tr[data-run]').count()) === 1 || undefined, 'the filter to apply');
    expect(await page.locator('tr[data-run]').first().getAttribute('data-run')).toBe(started.execution_id);
  }, SLOW);

  it('draws a 500-step run and stays usable', async () => {
    const started = await api('POST', '/workflows/execute', { workflow_id: 'big' });
    const id = started.execution_id as string;
    await until(async () => (await runStatus(id)) === 'succeeded', 'the 500-step run to finish', 120_000);
    await page.goto(`${cairn.url}/#/runs/${id}`);
    await page.locator('[data-run-status="succeeded"]').waitFor();
    // Boxes off screen are not drawn: some are, not all 500.
    await page.locator('.step-node[data-status="succeeded"]').first().waitFor();
    expect(await page.locator('.step-node').count()).toBeLessThan(500);
    expect(await page.getByLabel('Step', { exact: true }).locator('option').count()).toBe(501);
    // Still answers: select a step by keyboard-reachable list, read its details.
    await page.getByLabel('Step', { exact: true }).selectOption('s499');
    await page.getByRole('heading', { name: 's499' }).waitFor();
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.getByRole('list', { name: 'Timeline of attempts' }).waitFor();
    expect(await page.getByRole('list', { name: 'Timeline of attempts' }).getByRole('listitem').count()).toBe(500);
  }, SLOW);

  it('raised no error on any page', () => {
    expect(pageErrors).toEqual([]);
  }, SLOW);
});
