// The esbuild options of the CLI bundle: used by scripts/bundle.js, and by
// test/cli/validate-imports.test.ts, which checks what `cairn validate` loads.

/**
 * zod re-exports all ~50 translations of its messages (`z.locales`); Cairn speaks English,
 * which zod imports directly. Dropping the rest saves a third of the parse time at start.
 */
const withoutZodLocales = {
  name: 'without-zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${'node_modules'}/zod/`) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/**
 * commander requires node:child_process when it loads, for executable subcommands, which
 * Cairn does not have; loading it costs every command (`cairn validate` included) a few
 * milliseconds. Here it is fetched on first use instead. Throws if commander changes, so
 * that this cannot silently stop applying.
 */
const lazyCommanderChildProcess = {
  name: 'lazy-commander-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`commander changed: ${args.path} no longer has ${eager} (update scripts/bundle-options.js)`);
      const lazy = "const childProcess = { spawn: (...a) => process.getBuiltinModule('node:child_process').spawn(...a) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** Options for esbuild's build(); `outdir` is where the chunks go (dist/bundle). */
export function bundleOptions(outdir) {
  return {
    entryPoints: { main: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: false,
    // Native addons cannot be bundled. The server's packages load only for `cairn serve`;
    // kept as they ship (pino and fastify resolve files at run time).
    // undici too: bundled, a dynamic import of it (CommonJS) yields only a default export,
    // and its named exports (request, Agent, buildConnector) would be missing.
    external: ['better-sqlite3', 'fastify', '@fastify/*', 'pino', 'prom-client', 'ws', 'undici'],
    // CommonJS dependencies call require() for Node built-ins.
    banner: { js: "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);" },
    logLevel: 'warning',
    plugins: [withoutZodLocales, lazyCommanderChildProcess],
  };
}
