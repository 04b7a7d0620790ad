// Bundles the CLI into dist/bundle/ (run by `npm run build` after tsc). Loading a few
// bundled files instead of hundreds of ESM modules (zod alone ships ~200) is what keeps
// `cairn validate` under its cold-start budget. Commands stay lazy: code splitting turns
// each dynamic import into its own chunk. The options are in bundle-options.js.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.js';

rmSync('dist/bundle', { recursive: true, force: true });
await build(bundleOptions('dist/bundle'));
