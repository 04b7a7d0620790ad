import { copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compile a TypeScript entry point of this checkout into one runnable ES module under
 * `dir`, so a test can start a real second process running the current source (not a
 * possibly stale `dist/`). The layout mirrors the repository's (`dir/dist/bundle/NAME.mjs`,
 * `dir/package.json`, `dir/node_modules`) so that paths the code derives from
 * `import.meta.url` resolve, and better-sqlite3 loads from the real node_modules.
 */
export async function bundleSource(entry: string, dir: string, name: string): Promise<string> {
  const out = join(dir, 'dist', 'bundle', `${name}.mjs`);
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return out;
}
