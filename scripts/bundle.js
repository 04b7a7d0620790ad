// Bundles the CLI into dist/bundle/cairn.cjs (run by `npm run build` after tsc). Loading
// one bundled file instead of hundreds of modules (zod alone ships ~200), with its
// compiled code kept between runs (bin/cairn.js), is what keeps `cairn validate` under
// its cold-start budget. The options, and why CommonJS, are in bundle-options.js.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.js';

rmSync('dist/bundle', { recursive: true, force: true });
await build(bundleOptions('dist/bundle'));
