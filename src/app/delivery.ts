import type { Input, RunEvent } from '../engine/types.js';
import { isOwnerDead } from '../runtime/owner.js';
import type { Runtime } from '../runtime/runtime.js';
import { StoreError, type NewRunRequest, type Store } from '../store/store.js';
import { CairnError } from './errors.js';

export interface DeliveryDeps {
  store: Store;
  runtime: Runtime | undefined;
  /** Start a background process that carries the run on (nobody holds it). */
  spawnResume(runId: string): void;
}

const CONFIRM_TIMEOUT_MS = 15_000;

/**
 * Hand an input to a run wherever it is held, and wait until the event that confirms it
 * is in the store: here directly; in another live process through a request it picks up
 * within a moment; if no process holds the run, a background `cairn resume` takes it and
 * drains the request first.
 */
export async function deliver(deps: DeliveryDeps, runId: string, input: Input, request: NewRunRequest, confirms: (e: RunEvent) => boolean): Promise<RunEvent> {
  const { store, runtime } = deps;
  const before = await store.readEvents(runId);
  const afterSeq = before.at(-1)?.seq ?? 0;
  if (runtime?.holds(runId)) {
    const seen = new Promise<RunEvent>((resolve, reject) => {
      const stop = runtime.live.subscribe((m) => {
        if (m.kind === 'event' && m.event.runId === runId && confirms(m.event)) {
          stop();
          resolve(m.event);
        } else if (m.kind === 'write-failed' && m.runIds.includes(runId)) {
          // Not recorded: say so now (STORE_FULL, ...) rather than "pending" after 15 s.
          stop();
          reject(m.error instanceof StoreError ? new CairnError(m.error.code, m.error.message) : m.error);
        }
      });
    });
    runtime.submit(runId, input);
    return withTimeout(seen, runId);
  }
  await store.addRequest(request);
  if (!(await heldByLiveProcess(store, runId))) deps.spawnResume(runId);
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  let seq = afterSeq;
  while (Date.now() < deadline) {
    for (const event of await store.readEvents(runId, seq)) {
      seq = event.seq;
      if (confirms(event)) return event;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw pending(runId);
}

async function heldByLiveProcess(store: Store, runId: string): Promise<boolean> {
  const lease = await store.getLease(runId);
  if (!lease || lease.expiresAt < Date.now()) return false;
  const owner = (await store.listOwners()).find((o) => o.id === lease.ownerId);
  return owner !== undefined && !isOwnerDead(owner);
}

async function withTimeout<T>(work: Promise<T>, runId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(pending(runId)), CONFIRM_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function pending(runId: string): CairnError {
  return new CairnError('REQUEST_PENDING', `the request is recorded, but the process holding run ${runId} did not act on it within ${CONFIRM_TIMEOUT_MS / 1000} s; it will when it next looks`, { run: runId });
}
