import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import { ActionFailure, type ActionContext } from '../../src/actions/action.js';

export interface LoggedLine {
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

export interface TestContext<P> {
  ctx: ActionContext<P>;
  /** Every line the action logged, in order. */
  lines: LoggedLine[];
  /** Aborts ctx.signal. */
  controller: AbortController;
}

export type ContextOverrides = Partial<
  Pick<ActionContext, 'runId' | 'step' | 'attempt' | 'idempotencyKey' | 'workdir' | 'memory' | 'channel' | 'data' | 'onProcess' | 'network'>
>;

/** An ActionContext for one attempt; the workdir is the system temp dir unless one is given. */
export function actionContext<P>(parameters: P, overrides: ContextOverrides = {}): TestContext<P> {
  const lines: LoggedLine[] = [];
  const controller = new AbortController();
  const ctx: ActionContext<P> = {
    runId: 'run-test',
    step: 'step-a',
    attempt: 1,
    idempotencyKey: 'run-test:step-a',
    workdir: tmpdir(),
    ...overrides,
    parameters,
    signal: controller.signal,
    log: (stream, line) => lines.push({ stream, line }),
  };
  return { ctx, lines, controller };
}

/** The lines of one stream. */
export function linesOf(lines: LoggedLine[], stream: LoggedLine['stream']): string[] {
  return lines.filter((l) => l.stream === stream).map((l) => l.line);
}

/** The ActionFailure a promise rejects with; the test fails if it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ActionFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionFailure);
  return error as ActionFailure;
}
