/**
 * Domain outcomes are data: a caller branches on `ok` and shows `message` to the user.
 * Exceptions are reserved for bugs and outages.
 */
export type Failure<R extends string = string> = { ok: false; reason: R; message: string };
export type Outcome<T, R extends string = string> = { ok: true; value: T } | Failure<R>;

const DEFAULT_MESSAGES: Record<string, string> = {
  unknown_tenant: 'Tollgate does not know this tenant yet: an admin sets it up with `tollgate tenant init`.',
};

export function failure<R extends string>(reason: R, message?: string): Failure<R> {
  return { ok: false, reason, message: message ?? DEFAULT_MESSAGES[reason] ?? reason.replace(/_/g, ' ') };
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function isFailure(x: unknown): x is Failure {
  return typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;
}
