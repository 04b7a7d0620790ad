import { builtinActions } from '../actions/registry.js';
import { Breakers } from '../actions/breakers.js';
import { McpClients } from '../actions/mcp-clients.js';
import type { Config } from '../config/index.js';
import { Worker, type WorkerEvent } from '../runtime/worker.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';
import { networkPolicy } from './network-policy.js';

export type { WorkerEvent } from '../runtime/worker.js';

export interface WorkerRequest {
  labels?: string[];
  /** Steps at once (default 4). */
  concurrency?: number;
  /** A claim's lease (default 5000 ms): how soon a silent worker's steps move on. */
  leaseMs?: number;
  /** How often to look for work without a notification (default 1000 ms). */
  pollMs?: number;
  version: string;
  report?(event: WorkerEvent): void;
}

/** A started worker: stop it to leave the cluster. */
export interface RunningWorker {
  readonly id: string;
  readonly labels: string[];
  /** Steps running now. */
  readonly load: number;
  stop(graceMs?: number): Promise<void>;
}

const LABEL = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;

/**
 * `cairn worker`: runs the steps engine nodes hand out (docs/cluster.md), with this
 * process's configuration (MCP servers, circuit breakers, network policy, channels).
 */
export async function startWorker(deps: { store: Store; config: Config; cwd: string; onError(err: unknown): void }, req: WorkerRequest): Promise<RunningWorker> {
  const labels = [...new Set(req.labels ?? [])];
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) throw new CairnError('USAGE', `'${bad}' is not a label: labels are letters, digits and _ . : - (at most 64), such as linux or region:eu`);
  const concurrency = req.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CairnError('USAGE', `concurrency must be a whole number of steps, 1 or more, not ${concurrency}`);
  const { config, store } = deps;
  const breakers = new Breakers(config.circuitBreaker);
  const mcp = new McpClients(config.mcpServers, { breaker: config.circuitBreaker });
  const worker = new Worker({
    store,
    actions: builtinActions(),
    labels,
    concurrency,
    workdir: deps.cwd,
    version: req.version,
    memory: { add: (note) => store.addNote(note), search: (query, opts) => store.searchNotes(query, opts) },
    channel: (name) => config.notify.channels[name],
    breakers,
    mcp,
    network: networkPolicy(config.network),
    onError: deps.onError,
    ...(req.leaseMs !== undefined ? { leaseMs: req.leaseMs } : {}),
    ...(req.pollMs !== undefined ? { pollMs: req.pollMs } : {}),
    ...(req.report ? { report: req.report } : {}),
  });
  await worker.start();
  return {
    id: worker.id,
    labels,
    get load() {
      return worker.load;
    },
    async stop(graceMs = 0) {
      await worker.stop(graceMs);
      await mcp.close().catch(deps.onError);
    },
  };
}
