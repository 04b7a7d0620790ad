import type { Command } from 'commander';
import pc from 'picocolors';
import { nodesJson } from '../../app/index.js';
import { EXIT } from '../exit.js';
import { table, time } from '../format.js';
import { openFrom } from '../open.js';

/** `cairn nodes`: the engine nodes and workers sharing the store (docs/cluster.md). */
export default async function nodes(opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const list = await cairn.nodes();
    const waiting = await cairn.waitingForWorkers();
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(nodesJson(list, waiting), null, 2)}\n`);
      return EXIT.ok;
    }
    if (list.length === 0) process.stdout.write(pc.dim(`no engine node or worker is registered in ${cairn.storeLocation}\n`));
    else {
      const rows = [['id', 'kind', 'host', 'pid', 'labels', 'running', 'version', 'last heartbeat'].map((h) => pc.dim(h))];
      for (const n of list) {
        rows.push([
          n.id.slice(0, 8),
          n.kind,
          n.host,
          String(n.pid),
          n.labels.join(',') || pc.dim('-'),
          n.capacity !== undefined ? `${n.running}/${n.capacity}` : String(n.running),
          n.version ?? pc.dim('?'),
          `${time(n.heartbeatAt)}${n.alive ? '' : pc.yellow(' (gone)')}`,
        ]);
      }
      process.stdout.write(`${table(rows)}\n`);
    }
    const stuck = waiting.filter((w) => w.noWorker);
    if (waiting.length > 0) process.stdout.write(`${waiting.length} step(s) queued for workers${stuck.length > 0 ? pc.yellow(`, ${stuck.length} with no live worker that has their labels`) : ''}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
