export * from './types.js';
export { decide, nextWakeAt, type Decision, type Env } from './decide.js';
export { evolve } from './evolve.js';
export { initialState, isTerminalRun, isTerminalStep, type RunState, type StepState } from './state.js';
export { takeProjection, publicStep, runStatus, type Projection } from './projection.js';
export { buildGraph, instanceKey, type Graph } from './graph.js';
export { retryDelayMs } from './backoff.js';
