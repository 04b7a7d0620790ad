import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import staticFiles from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The built dashboard (web/, built by `npm run build` into dist/web), or undefined when it
 * was not built. Found from this file upwards, so it works from src/ (tests), dist/ (tsc)
 * and dist/bundle/ (the CLI).
 */
export function dashboardDir(from = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) {
      const web = join(dir, 'dist', 'web');
      return existsSync(join(web, 'index.html')) ? web : undefined;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

// The page may reach only its own origin (REST and the WebSocket); the graph and the
// editor set inline styles.
const PAGE_POLICY = "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Serves the dashboard at `/`: its files as they are (names under /assets/ carry a content
 * hash, so they are cached for a year), and index.html, never cached, for any other page
 * a browser asks for. API routes, /metrics and the health checks are untouched: files are
 * registered one by one (no catch-all route), and the fallback is only for GETs that
 * want HTML outside /api.
 */
export async function registerDashboard(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(staticFiles, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (reply, path) => {
      void reply.header('x-content-type-options', 'nosniff');
      if (/[\\/]assets[\\/]/.test(path)) void reply.header('cache-control', 'public, max-age=31536000, immutable');
      else {
        void reply.header('cache-control', 'no-cache');
        if (path.endsWith('.html')) void reply.header('content-security-policy', PAGE_POLICY).header('x-frame-options', 'DENY');
      }
    },
  });
}

/** A browser asking for a page (an unknown path that wants HTML, not an API call): answer with the app. */
export function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (path.includes('//') || /^\/api(\/|$)/i.test(path) || path.includes('.')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendPage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').header('content-security-policy', PAGE_POLICY).header('x-content-type-options', 'nosniff').sendFile('index.html');
}
