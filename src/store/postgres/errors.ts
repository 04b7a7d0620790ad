import { StoreError } from '../store.js';

/**
 * Turns PostgreSQL failures a user can act on (server down, unknown database, refused
 * login) into StoreErrors that name the server and say what to do. A start key taken
 * twice is STORE_DUPLICATE. Anything else (a constraint, a bad statement) is a bug in
 * Cairn or in the caller and is rethrown as is.
 */
export function toStoreError(err: unknown, where: string): unknown {
  if (err instanceof StoreError) return err;
  const code = errorCode(err);
  if (code === undefined) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (NETWORK.includes(code) || code.startsWith('08') || code === '57P01' || code === '57P03') {
    return new StoreError(
      `cannot reach PostgreSQL at ${where} (${detail}); start the server (on Debian: ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), or point --db or CAIRN_DB at a running one',
      'STORE_UNAVAILABLE',
      { cause: err },
    );
  }
  if (code === '3D000') {
    return new StoreError(`PostgreSQL at ${where} has no such database (${detail}); create it first (createdb NAME) or fix the URL`, 'STORE_UNAVAILABLE', {
      cause: err,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new StoreError(`PostgreSQL at ${where} refused the login (${detail}); check the user and password in the URL`, 'STORE_UNAVAILABLE', {
      cause: err,
    });
  }
  if (code === '53100') {
    return new StoreError(`PostgreSQL at ${where} is out of disk space (${detail}): nothing was written; free some space and try again`, 'STORE_FULL', { cause: err });
  }
  if (code === '53200' || code === '53300') {
    return new StoreError(`PostgreSQL at ${where} is out of resources (${detail})`, 'STORE_UNAVAILABLE', { cause: err });
  }
  if (code === '23505' && constraint(err) === 'runs_start_key_key') {
    return new StoreError(`a run was already started with this start key (${detail})`, 'STORE_DUPLICATE', { cause: err });
  }
  return err;
}

const NETWORK = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'];

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // A connection timeout from pg has no code, only a message.
  if (err instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(err.message)) return 'ETIMEDOUT';
  return undefined;
}

function constraint(err: unknown): string | undefined {
  const c = (err as { constraint?: unknown }).constraint;
  return typeof c === 'string' ? c : undefined;
}
