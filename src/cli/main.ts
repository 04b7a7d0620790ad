import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit.js';
import { reportError } from './report-error.js';

const program = new Command('cairn')
  .description('Cairn: durable workflows for operations runbooks and AI agents')
  .version(await version(), '-V, --version')
  .option('--db <path>', 'store location (default: $CAIRN_DB or .cairn/cairn.db)')
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
  .addOption(new Option('-l, --level <level>', 'how thorough').choices(['basic', 'standard', 'strict', 'paranoid']).default('standard'))
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
  .command('schema')
  .description('print the JSON Schema of workflow definitions')
  .action(lazy(() => import('./commands/schema.js')));

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

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

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
