import type { Response } from 'restify';
import type { Failure } from '../outcome';

/** Every error answer has the same shape: { error: <reason>, message: <what to do> }. Returns false for next(). */
export function sendError(res: Response, status: number, error: string, message: string): false {
  res.send(status, { error, message });
  return false;
}

export function sendFailure(res: Response, status: number, failure: Failure): false {
  return sendError(res, status, failure.reason, failure.message);
}

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN',
]);

/** A database that is down, restarting, full or locked: the caller may retry; nothing was committed. */
export function isRetryableOutage(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && (RETRYABLE_CODES.has(e.code) || e.code.startsWith('SQLITE_IOERR'))) return true;
  return /Connection terminated|terminating connection|connect ECONNREFUSED|Client has encountered a connection error/i.test(e?.message ?? '');
}
