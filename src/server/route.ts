import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessKey, Role } from '../app/index.js';

/** Who may call a route: `public` needs no key; the roles include the ones below them. */
export type Access = 'public' | Role;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The key that called, for non-public routes. */
  key: AccessKey | undefined;
  /** The name recorded as the actor (approver, canceller): the key's name. */
  actor: string;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One API route: its method, path, who may call it, and zod schemas for what it takes.
 * The same table registers the routes, checks every input, authorizes on the matched
 * route (never on the raw path), and generates the OpenAPI document.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under /api/v1 (or at the root with `root`), with `{name}` path parameters (OpenAPI style). */
  path: string;
  /** Served at the root, not under /api/v1 (/healthz, /readyz, /metrics). */
  root?: boolean;
  access: Access;
  summary: string;
  tags: string[];
  operationId: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Status of a success (200 unless said). */
  status?: number;
  /** Extra documented answers, e.g. { 404: 'no such run' }. */
  errors?: Record<number, string>;
  /** Keep the raw body (as text) instead of parsing JSON: signature checks need the exact bytes. */
  rawBody?: boolean;
  handler(ctx: RouteContext<P, Q, B>): Promise<unknown>;
}

// Bivariance hack: a list of routes with different P/Q/B types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec;
}

/** `/workflows/executions/{id}` → `/workflows/executions/:id` (Fastify's form). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

// Shared pieces of schemas.
export const runIdParams = z.strictObject({ id: z.string().min(1).max(64).describe('Run id, or a unique prefix of one') });
export const runStepParams = z.strictObject({
  id: z.string().min(1).max(64).describe('Run id, or a unique prefix of one'),
  step: z.string().min(1).max(200).describe('Step id (for a step of a for_each, its key such as deploy[2])'),
});
export const emptyBody = z.strictObject({}).optional();
export const limitQuery = z.coerce.number().int().min(1).max(1000);
