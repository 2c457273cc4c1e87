/**
 * What a database error means for the caller, whichever engine and driver raised it. Every change to a tenant runs
 * in one transaction, so when one of these is thrown the change was rolled back (or never reached the database):
 * nothing is half-written, and the caller may try again once the cause is gone.
 *
 * - `unavailable`: the database cannot be reached or is restarting (PostgreSQL down, a connection cut, the pool's
 *   wait for a connection ran out, SQLite busy past its timeout or an I/O error). Usually gone in seconds.
 * - `full`: out of space (SQLITE_FULL, or a write the OS refused: SQLITE_IOERR_WRITE from a quota or file-size
 *   limit; PostgreSQL's disk_full, 53100). Needs an operator.
 * - `read_only`: the database refuses writes (SQLITE_READONLY: a write-protected file or mount; PostgreSQL's
 *   read_only_sql_transaction, 25006, e.g. a standby). Needs an operator.
 */
export type StorageFailureKind = 'unavailable' | 'full' | 'read_only';

export interface StorageFailure {
  kind: StorageFailureKind;
  /** The driver's code (SQLITE_FULL, 57P01, ECONNREFUSED, …) or a short name of the symptom. */
  code: string;
  /** One line for people: what is wrong, without the advice (each surface adds its own). */
  message: string;
}

const PG_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: the server is stopping or restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, or in recovery
  '08000', '08001', '08003', '08004', '08006', '08P01', // connection exceptions
  '53300', // too_many_connections
  '53200', // out_of_memory
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const WRITE_REFUSED = new Set(['SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR_DIR_FSYNC', 'SQLITE_IOERR_TRUNCATE', 'SQLITE_IOERR_SHMSIZE']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
// What pg and pg-pool say without a code: a connection that died under a query, or the wait for one ran out.
const PG_UNAVAILABLE_TEXT =
  /Connection terminated|terminating connection|Client has encountered a connection error|timeout exceeded when trying to connect|Connection closed|connect ECONNREFUSED|the database system is (starting up|shutting down|in recovery mode)/i;

export function storageFailureOf(err: unknown): StorageFailure | undefined {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const text = typeof e?.message === 'string' ? e.message : '';
  if (code === 'SQLITE_FULL' || code === '53100') return { kind: 'full', code, message: 'Tollgate\'s database is out of space' };
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return { kind: 'read_only', code, message: 'Tollgate\'s database is read-only' };
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_') || code.startsWith('SQLITE_LOCKED_')) {
    return { kind: 'unavailable', code, message: 'Tollgate\'s database is busy with another writer' };
  }
  if (WRITE_REFUSED.has(code)) {
    // The OS refused a write: out of disk space shows as SQLITE_FULL, but a quota or file-size limit (EFBIG, EDQUOT)
    // shows as an I/O error on write. Either way an operator has to make room.
    return { kind: 'full', code, message: 'Tollgate could not write its database file (out of disk space, a quota or file-size limit, or a disk error)' };
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) {
    return { kind: 'unavailable', code, message: 'Tollgate cannot read or write its database file' };
  }
  if (PG_UNAVAILABLE.has(code) || NET_UNAVAILABLE.has(code) || (code === '' && PG_UNAVAILABLE_TEXT.test(text))) {
    return { kind: 'unavailable', code: code || 'connection_lost', message: 'Tollgate cannot reach its database' };
  }
  return undefined;
}

const OPERATOR_ADVICE: Record<StorageFailureKind, string> = {
  unavailable: 'run it again shortly',
  full: 'free disk space (check quotas and file-size limits too), then run it again',
  read_only: 'make the database (file and folder, or server) writable for this user, then run it again',
};

/** One line for an operator (the CLI, the server at start), or undefined when `err` is not a database failure. */
export function storageFailureLine(err: unknown): string | undefined {
  const failure = storageFailureOf(err);
  if (!failure) return undefined;
  return `${failure.message} (${failure.code}): nothing was half-written; ${OPERATOR_ADVICE[failure.kind]}`;
}
