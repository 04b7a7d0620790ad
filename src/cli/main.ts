import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit.js';
import { reportError } from './report-error.js';

// `cairn runs | head` closes the pipe before everything is written: not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const program = new Command('cairn')
  .description('Cairn: durable workflows for operations runbooks and AI agents')
  .version(version(), '-V, --version')
  .option('--db <path>', 'store location (default: $CAIRN_DB, cairn.yaml, or .cairn/cairn.db)')
  .option('--config <file>', 'configuration file (default: cairn.yaml in the current directory, if any)')
  .option('--debug', 'show stack traces')
  .showHelpAfterError('(run `cairn --help` for usage)')
  .exitOverride();

program
  .command('run')
  .description('run a workflow in the foreground and show its progress')
  .argument('<file>', 'workflow definition (YAML or JSON)')
  .option('-p, --param <key=value>', 'a parameter (repeatable; JSON for arrays and objects)', collect, [])
  .option('--param-file <file>', 'parameters from a YAML or JSON file')
  .option('--json', 'print the finished run as JSON (no progress)')
  .option('--detach', 'start the run in a background process and print its id')
  .option('-q, --quiet', 'no progress, only the result')
  .action(lazy(() => import('./commands/run.js')));

program
  .command('validate')
  .description('check a workflow definition')
  .argument('<file>', 'workflow definition (YAML or JSON)')
  .addOption(new Option('-l, --level <level>', 'how thorough (default: standard, or defaults.validation_level in cairn.yaml)').choices(['basic', 'standard', 'strict', 'paranoid']))
  .option('--json', 'print the report as JSON')
  .action(lazy(() => import('./commands/validate.js')));

program
  .command('runs')
  .description('list runs, newest first')
  .option('-s, --status <status...>', 'only runs in these states')
  .option('-w, --workflow <id>', 'only runs of this workflow')
  .option('-n, --limit <n>', 'how many', '20')
  .option('--json', 'print an array of runs')
  .action(lazy(() => import('./commands/runs.js')));

program
  .command('status')
  .description("show a run's steps, their states, attempts and outputs")
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--json', 'print the run as JSON')
  .action(lazy(() => import('./commands/status.js')));

program
  .command('logs')
  .description("print a run's step output")
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--step <id>', 'only this step')
  .option('-f, --follow', 'keep printing until the run finishes')
  .option('--json', 'one JSON object per line')
  .action(lazy(() => import('./commands/logs.js')));

program
  .command('cancel')
  .description('cancel a run: running steps are killed, nothing new starts')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--reason <text>', 'recorded with the cancellation')
  .option('--json', 'print the run as JSON')
  .action(lazy(() => import('./commands/cancel.js')));

program
  .command('resume')
  .description('carry on with runs left in flight (after a crash, Ctrl-C or --detach)')
  .option('--run <id...>', 'only these runs')
  .option('-q, --quiet', 'print nothing')
  .option('--json', 'print the finished runs as JSON')
  .action(lazy(() => import('./commands/resume.js')));

program
  .command('tasks')
  .description('list tasks and approvals waiting for someone (of one run, or all)')
  .argument('[run]', 'run id (a unique prefix is enough)')
  .option('--json', 'print an array')
  .action(lazyNamed(() => import('./commands/interact.js'), 'tasks'));

program
  .command('complete')
  .description('complete a waiting task with its output')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .argument('<step>', 'the task step')
  .option('-o, --output <json>', 'the output, a JSON object (checked against the task\'s output_schema)')
  .option('--as <name>', 'who is completing it (default: the OS user)')
  .option('--json', 'print the run as JSON')
  .action(lazyNamed(() => import('./commands/interact.js'), 'complete'));

program
  .command('approve')
  .description('approve (or --reject) a waiting approval')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .argument('<step>', 'the approval step')
  .option('--reject', 'reject instead: the step fails')
  .option('-c, --comment <text>', 'recorded with the decision')
  .option('--as <name>', 'who decides (default: the OS user)')
  .option('--json', 'print the run as JSON')
  .action(lazyNamed(() => import('./commands/interact.js'), 'approve'));

program
  .command('signal')
  .description('send a signal to a run (wait steps with `signal: NAME` receive it)')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .argument('<name>', 'the signal name')
  .option('-d, --data <json>', 'data carried by the signal (JSON)')
  .option('--as <name>', 'who sends it (default: the OS user)')
  .option('--json', 'print the run as JSON')
  .action(lazyNamed(() => import('./commands/interact.js'), 'signal'));

program
  .command('pause')
  .description('start no new steps in a run (running ones finish)')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--as <name>', 'who pauses it (default: the OS user)')
  .option('--json', 'print the run as JSON')
  .action(lazyNamed(() => import('./commands/interact.js'), 'pause'));

program
  .command('unpause')
  .description('let a paused run start steps again')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--as <name>', 'who unpauses it (default: the OS user)')
  .option('--json', 'print the run as JSON')
  .action(lazyNamed(() => import('./commands/interact.js'), 'unpause'));

program
  .command('retry')
  .description('run a failed or cancelled run again from the steps that did not succeed (succeeded steps keep their outputs)')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--step <id>', 'only this failed step and the steps after it')
  .option('--as <name>', 'who retries it (default: the OS user)')
  .option('--json', 'print the finished run as JSON (no progress)')
  .option('-q, --quiet', 'no progress, only the result')
  .action(lazy(() => import('./commands/retry.js')));

program
  .command('rollback')
  .description('undo what a run did: compensate its completed steps, most recent first')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .addOption(new Option('-s, --strategy <strategy>', 'immediate (stop running steps now), graceful (let them finish), checkpoint (back to a checkpoint), manual (print the plan, run nothing); default from cairn.yaml, else immediate').choices(['immediate', 'graceful', 'checkpoint', 'manual']))
  .option('--to <step>', 'with checkpoint: the checkpoint step to go back to (default: the last one)')
  .option('--reason <text>', 'recorded with the rollback')
  .option('--as <name>', 'who asks for it (default: the OS user)')
  .option('--json', 'print the report as JSON')
  .action(lazyNamed(() => import('./commands/rollback.js'), 'rollback'));

program
  .command('rollback-points')
  .description('list the checkpoints a run can roll back to')
  .argument('<run>', 'run id (a unique prefix is enough)')
  .option('--json', 'print an array')
  .action(lazyNamed(() => import('./commands/rollback.js'), 'rollbackPoints'));

program
  .command('analytics')
  .description('figures from the event log: success rate, durations, failing steps, retries, waits, runs over time')
  .option('-w, --workflow <id>', 'only runs of this workflow')
  .option('--since <when>', 'only runs created since: a duration back from now (24h, 7d, 2w) or a date (2026-11-01)')
  .option('-n, --limit <n>', 'read at most the newest N runs (default 5000)')
  .option('--json', 'print the report as JSON (the shape GET /api/v1/workflows/analytics returns)')
  .action(lazy(() => import('./commands/analytics.js')));

program
  .command('locks')
  .description('list who holds each lock and pool slot, and who waits for them, in order')
  .option('--json', 'print {holders, waiters} as JSON')
  .action(lazy(() => import('./commands/locks.js')));

program
  .command('serve')
  .description('serve the REST API, live events and webhooks (until SIGTERM or Ctrl-C)')
  .option('--host <host>', 'address to listen on (default: server.host in cairn.yaml, or 127.0.0.1)')
  .option('--port <port>', 'TCP port (default: server.port in cairn.yaml, or 8900)')
  .option('--workflows <dir>', 'load the definitions in this folder, and reload them when they change')
  .option('--cors-origin <origin>', 'allow browser calls from this exact origin (repeatable; CORS is off without it)', collect, [])
  .option('--shutdown-grace <seconds>', 'on SIGTERM, how long running steps may take to finish (default 30)')
  .option('--log-level <level>', 'JSON log level: fatal, error, warn, info, debug, trace (default: $CAIRN_LOG_LEVEL or info)')
  .action(lazy(() => import('./commands/serve.js')));

program
  .command('worker')
  .description('run the steps engine nodes hand to workers (steps with runs_on), until SIGTERM or Ctrl-C')
  .option('--labels <list>', 'labels this worker offers, comma-separated (a step runs here only if it has all its runs_on labels)')
  .option('--concurrency <n>', 'steps to run at once (default 4)')
  .option('--lease <seconds>', "how long a step's claim lasts without renewal: a stopped worker's steps move on after this (default 5)")
  .option('--shutdown-grace <seconds>', 'on SIGTERM, how long running steps may take to finish (default 30)')
  .option('--quiet', 'print no line per step')
  .action(lazy(() => import('./commands/worker.js')));

program
  .command('nodes')
  .description('list the engine nodes and workers sharing the store: labels, version, heartbeat, running steps')
  .option('--json', 'print {nodes, waiting} as JSON')
  .action(lazy(() => import('./commands/nodes.js')));

program
  .command('mcp')
  .description('serve MCP on stdin/stdout for an AI agent (claude mcp add cairn -- npx cairn mcp); runs started here run in this process')
  .option('--as <name>', 'who the agent acts as in runs, approvals and completions (default: the OS user)')
  .action(lazy(() => import('./commands/mcp.js')));

program
  .command('migrate-store')
  .description('copy every run, event, log, note, key and webhook of one store into another, empty one (SQLite to PostgreSQL, or back)')
  .requiredOption('--from <store>', 'the store to copy: a SQLite path or a postgres:// URL')
  .requiredOption('--to <store>', 'the empty store to fill: a postgres:// URL or a SQLite path')
  .option('--force', 'copy even while a live process owns runs of the source')
  .option('--json', 'print the counts as JSON')
  .action(lazy(() => import('./commands/migrate-store.js')));

const keys = program.command('keys').description('API keys for `cairn serve` (viewer reads; operator runs and decides; admin also manages)');
keys
  .command('create')
  .description('create a key and print it (shown only once)')
  .addOption(new Option('--role <role>', 'what the key may do').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
  .option('--name <name>', 'a name to recognise it by (recorded as the actor of what it does)')
  .option('--json', 'print {"key", "name", "role", "id"}')
  .action(lazyNamed(() => import('./commands/keys.js'), 'create'));
keys
  .command('list')
  .description('list keys (never their secrets)')
  .option('--json', 'print an array of keys')
  .action(lazyNamed(() => import('./commands/keys.js'), 'list'));
keys
  .command('revoke')
  .description('revoke a key by id or name: it stops working at once')
  .argument('<key>', 'key id or name')
  .option('--json', 'print the revoked key as JSON')
  .action(lazyNamed(() => import('./commands/keys.js'), 'revoke'));

const secrets = program.command('secrets').description('secrets for `${{ secrets.NAME }}` in workflows (docs/secrets.md); values are never printed');
secrets
  .command('set')
  .description('store a secret, sealed with the master key (CAIRN_MASTER_KEY); the value is read from stdin or a prompt, never from the command line')
  .argument('<name>', 'the secret name (letters, digits, _)')
  .option('--value-stdin', 'read the value from stdin (one trailing newline is dropped)')
  .option('--json', 'print {"name", "stored"}')
  .action(lazyNamed(() => import('./commands/secrets.js'), 'set'));
secrets
  .command('list')
  .description('list secret names and where each comes from (env, file, store); never values')
  .option('--json', 'print an array')
  .action(lazyNamed(() => import('./commands/secrets.js'), 'list'));
secrets
  .command('delete')
  .description('delete a secret from the store')
  .argument('<name>', 'the secret name')
  .option('--json', 'print {"name", "deleted"}')
  .action(lazyNamed(() => import('./commands/secrets.js'), 'remove'));

program
  .command('audit')
  .description('who did what, from where: every state-changing action, newest first')
  .option('--since <when>', 'only entries since: a duration back from now (1h, 7d) or a date (2026-11-01)')
  .option('--actor <name>', 'only this actor (an API key name, an OS user, an MCP client)')
  .option('-n, --limit <n>', 'how many (default 100)')
  .option('--json', 'print an array of entries')
  .action(lazy(() => import('./commands/audit.js')));

program
  .command('prune')
  .description('delete finished runs (with their events, steps, logs), old logs and old audit entries; never running or waiting runs')
  .option('--older-than <age>', 'finished runs that finished before this: 30d, 12h, or a date (default: retention.runs in cairn.yaml)')
  .option('--logs-older-than <age>', 'log lines of finished runs older than this (default: retention.logs)')
  .option('--audit-older-than <age>', 'audit entries older than this (default: retention.audit)')
  .option('--dry-run', 'count what would go, delete nothing')
  .option('--json', 'print the counts as JSON')
  .action(lazy(() => import('./commands/prune.js')));

program
  .command('backup')
  .description('copy the store into FILE while it is in use (SQLite online backup; for PostgreSQL, prints pg_dump guidance)')
  .argument('<file>', 'the backup file to write')
  .option('--force', 'replace FILE if it exists')
  .option('--json', 'print {"file", "pages"}')
  .action(lazyNamed(() => import('./commands/backup.js'), 'backup'));

program
  .command('restore')
  .description('replace the store with a backup made by `cairn backup` (refused while a Cairn process uses the store)')
  .argument('<file>', 'the backup file')
  .option('--json', 'print what was restored as JSON')
  .action(lazyNamed(() => import('./commands/backup.js'), 'restore'));

const memory = program.command('memory').description("Cairn's memory: notes of what was learnt, searchable (remember/recall steps use it)");
memory
  .command('add')
  .description('remember a note')
  .argument('<text>', 'the note')
  .option('-c, --category <name>', 'a category, e.g. incident or infrastructure')
  .option('-t, --tags <list>', 'comma-separated tags')
  .option('--as <name>', 'who writes it (default: the OS user)')
  .option('--json', 'print the note as JSON')
  .action(lazyNamed(() => import('./commands/memory.js'), 'add'));
memory
  .command('search')
  .description('full-text search over the notes, best first')
  .argument('<query>', 'words to look for (any order; the last may be a prefix)')
  .option('-c, --category <name>', 'only this category')
  .option('-n, --limit <n>', 'how many (default 10, at most 100)')
  .option('--json', 'print an array')
  .action(lazyNamed(() => import('./commands/memory.js'), 'search'));

program
  .command('templates')
  .description('list the built-in workflow templates (run one with `cairn run template:NAME`)')
  .option('--json', 'print an array of templates with their parameters')
  .action(lazy(() => import('./commands/templates.js')));

program
  .command('suggest')
  .description('the workflows that fit a situation, best first, each with why (text, history, recent commands)')
  .option('--context <text>', 'the situation, e.g. "security incident detected"')
  .option('--intent <text>', 'what you want done, e.g. "handle the threat"')
  .option('--recent <list>', 'commands or workflows run just before, comma-separated, oldest first')
  .option('-n, --limit <n>', 'how many (default 5)')
  .option('--json', 'print {"suggestions": [{"workflow", "score", "reasons", ...}]}')
  .action(lazy(() => import('./commands/suggest.js')));

program
  .command('autocomplete')
  .description('the likely next commands after a sequence, and the workflows that run it')
  .argument('<sequence>', 'commands run so far, comma-separated, e.g. "hv-status,hv-broadcast"')
  .option('-n, --limit <n>', 'how many workflows (default 5)')
  .option('--json', 'print {"sequence", "next", "workflows"}')
  .action(lazy(() => import('./commands/autocomplete.js')));

program
  .command('schema')
  .description('print the JSON Schema of workflow definitions')
  .action(lazy(() => import('./commands/schema.js')));

// The audit trail (docs/audit.md): a command that changed something is recorded once it
// succeeded, as the OS user on this host, with the time it started.
let startedAt = Date.now();
program.hook('preAction', () => {
  startedAt = Date.now();
});
program.hook('postAction', async (_program, action) => {
  const code = process.exitCode ?? 0;
  // A run that started and then failed still started (exit 1 says the run failed).
  if (code !== 0 && !(code === 1 && ['run', 'retry'].includes(action.name()))) return;
  const parent = action.parent && action.parent !== program ? `${action.parent.name()} ` : '';
  // Most commands change nothing: decide before loading the application and the store.
  const { auditedCommand } = await import('../app/audited-commands.js');
  if (auditedCommand(`${parent}${action.name()}`, action.opts()) === undefined) return;
  const { db, config } = action.optsWithGlobals<{ db?: string; config?: string }>();
  const { recordCliCommand } = await import('../app/index.js');
  await recordCliCommand(`${parent}${action.name()}`, action.args, action.opts(), { ...(db ? { db } : {}), ...(config ? { config } : {}) }, startedAt, (err) => process.stderr.write(`cairn: could not record this in the audit trail: ${(err as Error).message}\n`));
});

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commander passes each command's own argument types
type Handler = { default: (...args: any[]) => Promise<number> };

/** Commands load on demand, so `cairn validate` does not pay for the runtime's imports. */
function lazy(load: () => Promise<Handler>) {
  return async (...args: unknown[]) => {
    const mod = await load();
    process.exitCode = await mod.default(...args);
  };
}

/** Like lazy(), for a module that exports several commands by name. */
function lazyNamed<M>(load: () => Promise<M>, name: keyof M) {
  return async (...args: unknown[]) => {
    const mod = await load();
    const handler = mod[name] as (...a: unknown[]) => Promise<number>;
    process.exitCode = await handler(...args);
  };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// No top-level await: the bundle is CommonJS (scripts/bundle-options.js says why).
async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    } else {
      process.exitCode = await reportError(err, program.opts<{ debug?: boolean }>().debug === true);
    }
  }
  if (process.exitCode === undefined) process.exitCode = EXIT.ok;
}

void main();
