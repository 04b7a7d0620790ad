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

/**
 * Options for esbuild's build(); `outdir` is where the bundle goes (dist/bundle).
 *
 * One CommonJS file, not ES module chunks: V8's compiled code can be kept between runs for
 * code compiled through vm.Script, which ES modules are not on Node 20 (bin/cairn.js does
 * this on every version: it keeps more than Node 22's own cache). With it kept, a start skips
 * compiling the bundle, which was most of `cairn validate`'s cold start (BENCHMARKS.md,
 * W4). Commands stay lazy: esbuild turns each `import()` into a function that evaluates
 * the command's modules on first use, and V8 compiles a function only when it runs.
 */
export function bundleOptions(outdir) {
  return {
    entryPoints: { cairn: 'src/cli/main.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: false,
    // Native addons cannot be bundled. The server's packages load only for `cairn serve`;
    // kept as they ship (pino and fastify resolve files at run time).
    // undici too: it is loaded where http steps run, as it ships.
    external: ['better-sqlite3', 'fastify', '@fastify/*', 'pino', 'prom-client', 'ws', 'undici'],
    // import() of those becomes require(): code that bin/cairn.js compiles through vm.Script
    // (with V8's cached data) has no way to load ES modules, and they are all CommonJS.
    supported: { 'dynamic-import': false },
    // The sources are ES modules and find files next to themselves with import.meta.url.
    define: { 'import.meta.url': '__cairnModuleUrl' },
    banner: { js: "const __cairnModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
    plugins: [withoutZodLocales, lazyCommanderChildProcess],
  };
}
