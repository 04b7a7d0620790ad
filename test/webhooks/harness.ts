import type { Cairn } from '../../src/app/index.js';
import { EventStream } from '../../src/app/event-stream.js';
import { Webhooks, type AttemptReport, type WebhookOptions } from '../../src/app/webhooks.js';
import type { Delivery } from '../../src/store/records.js';
import { Workspace } from '../app/workspace.js';
import { eventually, Receiver } from './receiver.js';

export const OK_WORKFLOW = `
name: hooked
steps:
  - id: first
    command: log
    parameters: { message: hello }
  - id: second
    command: log
    depends_on: [first]
    parameters: { message: bye }
`;

export const FAILING_WORKFLOW = `
name: broken
steps:
  - id: bad
    command: shell
    parameters: { run: "exit 3" }
`;

/** Fast retries so tests never wait for real backoff; every attempt recorded. */
export const FAST: WebhookOptions = { retry: { baseDelayMs: 20, maxDelayMs: 100 }, pollMs: 50 };

/**
 * A workspace with its own SQLite store, a real Cairn to run workflows, an EventStream
 * over the store, the webhook service on it, and a real receiver on 127.0.0.1.
 */
export class Harness {
  readonly ws = new Workspace();
  readonly receiver = new Receiver();
  readonly attempts: AttemptReport[] = [];
  /** Messages the service reported queued. */
  queuedCount = 0;
  cairn!: Cairn;
  stream!: EventStream;
  webhooks!: Webhooks;

  async open(options: WebhookOptions = {}): Promise<this> {
    await this.receiver.listen();
    this.cairn = await this.ws.open();
    this.stream = new EventStream(this.cairn.store, { pollMs: 50 });
    await this.stream.start();
    this.webhooks = new Webhooks(this.cairn.store, { ...FAST, onAttempt: (a) => this.attempts.push(a), onQueued: (n) => (this.queuedCount += n), onError: (e) => console.error('webhooks', e), ...options });
    await this.webhooks.start(this.stream);
    return this;
  }

  /** Run a workflow to its end, and wait until its events are in the outbox. */
  async run(yaml: string, name = 'wf.yaml'): Promise<string> {
    const run = await this.cairn.startRun({ file: this.ws.file(name, yaml) });
    await this.cairn.waitFor(run.id);
    await this.stream.settle();
    await this.webhooks.queued();
    return run.id;
  }

  /** Wait until every delivery of a webhook has settled (none pending) and return them, oldest first. */
  async settled(webhookId: string, count?: number): Promise<Delivery[]> {
    return eventually(async () => {
      const all = await this.cairn.store.listDeliveries(webhookId, { limit: 1_000 });
      if (count !== undefined ? all.length !== count : all.length === 0) return undefined;
      return all.every((d) => d.status !== 'pending') ? all.reverse() : undefined;
    }, `deliveries of ${webhookId} to settle`);
  }

  async close(): Promise<void> {
    await this.webhooks?.stop();
    this.stream?.stop();
    await this.ws.close();
    await this.receiver.close();
  }
}
