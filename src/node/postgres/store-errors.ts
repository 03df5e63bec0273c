/**
 * PostgreSQL failures as HydroSyncErrors a person can act on (never a raw driver error), and the
 * connection string as it may be shown (never with its password).
 */
import { HydroSyncError } from '../../errors';

/** SQLSTATEs after which the whole transaction is run again (see HsmStore.transaction). */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01', '23505']);

export function storeError(message: string, cause?: unknown): HydroSyncError {
  return new HydroSyncError('STORE', message, cause === undefined ? undefined : { cause });
}

/** The SQLSTATE of a server error (undefined for socket and driver errors). */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The connection string without its password (user, host, port, database and the host/port parameters only). */
export function redactConnectionString(connectionString: string): string {
  // A Unix-socket URL has no host part ('postgres://user@/db?host=/run/postgresql'), which URL
  // refuses: it is parsed with a placeholder host, and the socket directory comes from ?host=.
  const hostless = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//;
  const socket = hostless.test(connectionString);
  let url: URL;
  try {
    url = new URL(socket ? connectionString.replace(hostless, '$1localhost/') : connectionString);
  } catch {
    return 'the PostgreSQL database (its connection string is not a URL, so it is not shown)';
  }
  const host = !socket && url.hostname ? decodeURIComponent(url.hostname) : url.searchParams.get('host') ?? 'localhost';
  const port = url.port || url.searchParams.get('port') || '';
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  const hostPart = host.startsWith('/') ? `[${host}]` : host;
  return `${url.protocol}//${user}${hostPart}${port ? `:${port}` : ''}${url.pathname}`;
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EACCES']);

/** A failure of the connection itself (refused, lost, timed out, server shutting down): the transaction's outcome is decided by the server, not us. */
export function isConnectionFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_ERRNOS.has(code)) return true;
  const state = sqlState(e);
  if (state !== undefined) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
  const message = String((e as { message?: unknown } | null)?.message ?? '');
  return /Connection terminated|connection timeout|timeout expired|not queryable|Client was closed/i.test(message);
}

/** Why a connection could not be opened, with what to do. */
export function connectError(e: unknown, target: string): HydroSyncError {
  const code = (e as { code?: unknown } | null)?.code;
  const state = sqlState(e);
  const detail = String((e as { message?: unknown } | null)?.message ?? e);
  if (code === 'ECONNREFUSED' || code === 'ENOENT') {
    return storeError(`cannot connect to ${target}: no PostgreSQL server is listening there (${code}); start the server or correct the host and port in the connection string`, e);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return storeError(`cannot connect to ${target}: the host name does not resolve (${code}); correct the host in the connection string`, e);
  }
  if (state === '28P01' || state === '28000' || /password/i.test(detail)) {
    return storeError(`PostgreSQL refused the login to ${target}: ${detail}; check the user and password in the connection string (and the server's pg_hba.conf)`, e);
  }
  if (state === '3D000') {
    return storeError(`${target}: ${detail}; create the database first (createdb), or correct its name in the connection string`, e);
  }
  if (state === '53300' || state === '57P03') {
    return storeError(`PostgreSQL at ${target} accepts no connection now (${detail}); try again, or lower the number of connections per node (maxConnections)`, e);
  }
  if (/timeout/i.test(detail)) {
    return storeError(`cannot connect to ${target}: no answer within the connection timeout; check that the server is up and reachable`, e);
  }
  return storeError(`cannot connect to ${target}: ${detail}`, e);
}

/** A failed statement inside a transaction (the transaction is rolled back). */
export function queryError(e: unknown, target: string): HydroSyncError {
  if (e instanceof HydroSyncError) return e;
  const state = sqlState(e);
  const detail = String((e as { message?: unknown } | null)?.message ?? e);
  if (isConnectionFailure(e)) {
    return storeError(`the connection to ${target} was lost during a transaction (${detail}); nothing of it was recorded: try again`, e);
  }
  if (state === '23505') return uniqueViolation(e);
  if (state === '40001' || state === '40P01') {
    return storeError(`PostgreSQL at ${target} kept aborting the transaction for conflicts with other nodes (${state}: ${detail}); nothing was recorded: try again`, e);
  }
  if (state === '42501') {
    return storeError(`the PostgreSQL user of ${target} lacks a privilege (${detail}); grant it on the store's schema`, e);
  }
  if (state === '53100' || state === '53200') {
    return storeError(`PostgreSQL at ${target} is out of resources (${detail}); nothing was recorded: free disk space or memory on the server`, e);
  }
  if (state === '25006') {
    return storeError(`${target} is read-only (${detail}): connect to the primary server`, e);
  }
  return storeError(`PostgreSQL at ${target} failed (${state ?? 'driver'}: ${detail}); nothing was recorded`, e);
}

/** A unique-key violation that persisted after the retries: the row is there already. */
function uniqueViolation(e: unknown): HydroSyncError {
  const constraint = String((e as { constraint?: unknown }).constraint ?? '');
  const detail = String((e as { detail?: unknown }).detail ?? '');
  if (constraint === 'audit_pkey') {
    return new HydroSyncError('AUDIT', `an audit record with this chain and sequence number already exists although the chain's head ends before it (${detail}): records were added to the store outside the security module, so nothing more is issued; run hydrosync hsm audit verify and investigate`, { cause: e });
  }
  if (constraint === 'audit_issued_tid') {
    return new HydroSyncError('CONFLICT', `this TID was already issued to the meter (${detail}): another node issued a token at the same time and the meter row was not locked; nothing was issued, try again`, { cause: e });
  }
  const what: Record<string, string> = {
    transactions_pkey: 'the transaction id is already recorded',
    meters_pkey: 'the meter is already registered',
    vending_keys_pkey: 'the vending key is already in the store',
    reports_pkey: 'the report is already stored',
  };
  return new HydroSyncError('CONFLICT', `${what[constraint] ?? 'the row exists already'} (${detail || constraint})`, { cause: e });
}
