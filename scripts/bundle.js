// Bundles the CLI into dist/bundle/ (run by `npm run build` after tsc). Loading a few
// bundled files instead of hundreds of ESM modules (zod alone ships ~200) is what keeps
// `cairn validate` under its cold-start budget. Commands stay lazy: code splitting turns
// each dynamic import into its own chunk.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

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

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: false,
  // Native addons cannot be bundled. The server's packages load only for `cairn serve`;
  // kept as they ship (pino and fastify resolve files at run time).
  external: ['better-sqlite3', 'fastify', '@fastify/*', 'pino', 'prom-client', 'ws'],
  // CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [withoutZodLocales],
});
