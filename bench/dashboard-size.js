// D1: the dashboard's initial JavaScript, gzipped: the entry chunk that dist/web/index.html
// loads plus every chunk it imports statically (what a browser must fetch before the first
// page shows). Lazily loaded pages (Run's graph, the Designer's editor) are not counted.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

const STATIC_IMPORT = /(?:^|[;}\n])\s*(?:import|export)\s*(?:[\w$*{}\s,]*?from\s*)?["']([^"']+\.js)["']/g;

/** { files: [relative paths], rawBytes, gzipBytes } for the dashboard built in `dir`. */
export function initialJs(dir) {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) throw new Error(`${indexFile} is missing: run \`npm run build\``);
  const html = readFileSync(indexFile, 'utf8');
  const entries = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g), ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1].replace(/^\//, ''));
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(join(dir, file), 'utf8');
    for (const m of code.matchAll(STATIC_IMPORT)) visit(posix.join(posix.dirname(file), m[1]));
  };
  for (const e of entries) visit(e);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of seen) {
    const bytes = readFileSync(join(dir, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: [...seen], rawBytes, gzipBytes };
}

// `node bench/dashboard-size.js`: print the figure alone.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').at(-1))) {
  const root = join(dirname(new URL(import.meta.url).pathname), '..');
  const r = initialJs(join(root, 'dist', 'web'));
  console.log(`${(r.gzipBytes / 1024).toFixed(1)} KB gzipped (${(r.rawBytes / 1024).toFixed(1)} KB raw) in ${r.files.length} file(s): ${r.files.join(', ')}`);
}
