#!/usr/bin/env node
// Runs the bundled CLI that `npm ci` builds (the `prepare` script). Node 22+ can keep the
// compiled code between runs, which makes every later start faster.
import module from 'node:module';

module.enableCompileCache?.();
import('../dist/bundle/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bundle/main.js')) {
    console.error('cairn: the CLI is not built yet; run `npm run build` (npm ci does it for you).');
    process.exit(2);
  }
  throw err;
});
