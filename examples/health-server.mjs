// A stand-in service for examples/runbook.yaml: GET /health answers 200 when the state
// file says "up" and 503 otherwise. The runbook's restart step writes "up".
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';

const port = Number(process.env.PORT ?? 8911);
const stateFile = process.env.STATE_FILE ?? '/tmp/cairn-demo-service.state';
writeFileSync(stateFile, process.env.START_HEALTHY === '1' ? 'up' : 'down');

const server = createServer((req, res) => {
  let state = 'down';
  try {
    state = readFileSync(stateFile, 'utf8').trim();
  } catch {}
  const healthy = req.url === '/health' && state === 'up';
  res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service: 'demo', status: healthy ? 'up' : state }));
});
server.listen(port, '127.0.0.1', () => console.log(`demo service on http://127.0.0.1:${port}/health (state in ${stateFile})`));
