import type { Command } from 'commander';
import { createLogger } from '../../app/observability.js';
import { serve } from '../../server/serve.js';
import { CliError, EXIT } from '../exit.js';

interface ServeFlags {
  host?: string;
  port?: string;
  workflows?: string;
  corsOrigin: string[];
  shutdownGrace?: string;
  logLevel?: string;
}

/** `cairn serve`: the REST API, live events and webhooks, until SIGTERM or Ctrl-C. */
export default async function serveCommand(flags: ServeFlags, cmd: Command): Promise<number> {
  const { db, config } = cmd.optsWithGlobals<{ db?: string; config?: string }>();
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new CliError(`--port takes a TCP port from 0 to 65535, not '${flags.port}'`, EXIT.usage);
  const grace = flags.shutdownGrace === undefined ? undefined : Number(flags.shutdownGrace);
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0)) throw new CliError(`--shutdown-grace takes seconds, not '${flags.shutdownGrace}'`, EXIT.usage);
  let logger;
  try {
    logger = createLogger({ name: 'cairn', ...(flags.logLevel ? { level: flags.logLevel } : {}) });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  const server = await serve({
    ...(flags.host ? { host: flags.host } : {}),
    ...(port !== undefined ? { port } : {}),
    version: cmd.parent?.version() ?? '0.0.0',
    ...(flags.workflows ? { workflowsDir: flags.workflows } : {}),
    ...(db ? { db } : {}),
    ...(config ? { config } : {}),
    ...(flags.corsOrigin.length > 0 ? { corsOrigins: flags.corsOrigin } : {}),
    ...(grace !== undefined ? { shutdownGraceMs: grace * 1000 } : {}),
    logger,
    print: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`cairn serve: listening on ${server.url} (API ${server.url}/api/v1, store ${server.cairn.storeLocation})\n`);
  process.stderr.write(server.dashboardUrl ? `cairn serve: dashboard at ${server.dashboardUrl} (log in with an API key)\n` : 'cairn serve: no dashboard (not built: npm run build:web)\n');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`cairn serve: ${signal}: taking no new work; letting running steps finish, then stopping\n`);
      server.close().then(resolve, (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.stderr.write('cairn serve: stopped\n');
  return EXIT.ok;
}
