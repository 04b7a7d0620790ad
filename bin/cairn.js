#!/usr/bin/env node
// Runs the compiled CLI; `npm ci` builds it (the `prepare` script).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('cairn: the CLI is not built yet; run `npm run build` (npm ci does it for you).');
    process.exit(2);
  }
  throw err;
});
