import type { Cairn } from '../app/index.js';

/** What the routes call: the application API, and the server's own services. */
export interface ServerDeps {
  cairn: Cairn;
  /** Whether the server is draining (SIGTERM): new runs are refused, reads still answer. */
  draining(): boolean;
  /** A workflow was stored through the API: triggers look at it now, not at the next reload. */
  catalogChanged(): void;
}
