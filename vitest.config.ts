import { defineConfig } from 'vitest/config';

// .ci/run sets CAIRN_VITEST_JSON to a file path to collect counts for its summary line.
const jsonReport = process.env['CAIRN_VITEST_JSON'];

export default defineConfig({
  test: {
    // .tsx: the dashboard's component tests (test/web), each in a DOM environment it names.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Forks, not threads: tests load a native module (better-sqlite3) and spawn and kill
    // child processes, which worker threads handle poorly.
    pool: 'forks',
    // The machines have 2 cores; tests spawn processes of their own on top of the workers.
    fileParallelism: true,
    maxWorkers: 2,
    // Real processes, files and servers: generous limits, never a timed assertion.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    watch: false,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {}),
  },
});
