import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard: built into dist/web, which `cairn serve` serves at `/`.
// It talks to the server only over /api/v1 (REST and the WebSocket), never imports src/.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The server adds a long cache to /assets/* (names carry a content hash).
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
    // Keep `npm run build` quiet: no timing report of plugins.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    // `npx vite web` during development: the API comes from a `cairn serve` on 8900.
    proxy: { '/api': { target: 'http://127.0.0.1:8900', ws: true } },
  },
});
