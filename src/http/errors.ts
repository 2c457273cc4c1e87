import type { Response } from 'restify';
import type { Failure } from '../outcome';
import { storageFailureOf } from '../store/storage-failure';

/** Every error answer has the same shape: { error: <reason>, message: <what to do> }. Returns false for next(). */
export function sendError(res: Response, status: number, error: string, message: string): false {
  res.send(status, { error, message });
  return false;
}

export function sendFailure(res: Response, status: number, failure: Failure): false {
  return sendError(res, status, failure.reason, failure.message);
}

/**
 * The answer to a request that failed on the database (store/storage-failure.ts), or undefined for any other error.
 * Every change commits whole or not at all, so nothing was half-written; the client may send the same request again
 * (calls already stored are recognised as duplicates and never charged twice). 503 with Retry-After while the
 * database is unreachable or read-only, 507 when it is out of space.
 */
function storageFailureAnswer(err: unknown): { status: number; retryAfterSeconds: number; error: string; message: string } | undefined {
  const failure = storageFailureOf(err);
  if (!failure) return undefined;
  const again = 'Nothing was half-written: send the same request again';
  switch (failure.kind) {
    case 'unavailable':
      return { status: 503, retryAfterSeconds: 5, error: 'unavailable', message: `${failure.message} right now (${failure.code}). ${again} shortly.` };
    case 'full':
      return { status: 507, retryAfterSeconds: 60, error: 'storage_full', message: `${failure.message} (${failure.code}). ${again} once an operator has freed space.` };
    case 'read_only':
      return { status: 503, retryAfterSeconds: 60, error: 'storage_read_only', message: `${failure.message} (${failure.code}). ${again} once an operator has made it writable.` };
  }
}

/** Sends storageFailureAnswer's answer (with Retry-After) when `err` is a database failure; false when it sent one. */
export function sendStorageFailure(res: Response, err: unknown): false | undefined {
  const answer = storageFailureAnswer(err);
  if (!answer) return undefined;
  res.header('Retry-After', String(answer.retryAfterSeconds));
  return sendError(res, answer.status, answer.error, answer.message);
}
