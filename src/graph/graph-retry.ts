import { GraphSyncError } from './graph-sync-error';
import type { PstnCallsPage, PstnCallsSource } from './pstn-calls-source';
import { retryAfterMs } from './retry-after';

export interface RetryPolicy {
  /** Tries per request, the first included. */
  maxTries: number;
  /** Back-off when Graph gives no Retry-After: base × 2^(try-1), at most maxBackoffMs. */
  backoffBaseMs: number;
  maxBackoffMs: number;
  /** A Retry-After longer than this is not waited for: the sync stops and resumes on the next run. */
  maxWaitMs: number;
  /** One request that takes longer is abandoned (and retried). */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxTries: 5,
  backoffBaseMs: 1_000,
  maxBackoffMs: 60_000,
  maxWaitMs: 5 * 60_000,
  requestTimeoutMs: 60_000,
};

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryHooks {
  policy: RetryPolicy;
  sleep: Sleep;
  now(): Date;
  signal?: AbortSignal;
  /** Before every try and every wait (the sync extends its lease to cover `busyForMs`). */
  keepAlive(busyForMs: number): Promise<void>;
  /** Told about each retry, for the log. */
  onRetry?(info: { url: string; attempt: number; status?: number; waitMs: number; error: string }): void;
}

const TRANSIENT = (status: number) => status === 429 || status >= 500;

/**
 * Gets one page, retrying what Graph says is temporary: 429 (throttled) and 5xx (503 included) honouring
 * Retry-After when it is sent, else exponential back-off; also network errors and timeouts. A bounded number of
 * tries; then a GraphSyncError, and the caller's cursor still points at this page.
 */
export async function getPageWithRetries(source: PstnCallsSource, tenantId: string, url: string, hooks: RetryHooks): Promise<PstnCallsPage> {
  const { policy } = hooks;
  for (let attempt = 1; ; attempt++) {
    await hooks.keepAlive(policy.requestTimeoutMs);
    const signals = [AbortSignal.timeout(policy.requestTimeoutMs)];
    if (hooks.signal) signals.push(hooks.signal);
    let status: number | undefined;
    let retryAfter: string | undefined;
    let error: string;
    try {
      const answer = await source.get(tenantId, url, AbortSignal.any(signals));
      if (answer.ok) return answer.page;
      status = answer.status;
      retryAfter = answer.retryAfter;
      error = `Graph answered ${answer.status}: ${answer.message}`;
      if (answer.status === 401 || answer.status === 403) {
        throw new GraphSyncError(
          'graph_forbidden',
          `${error} (the app needs the application permission CallRecord-PstnCalls.Read.All with admin consent in the tenant)`,
          answer.status,
        );
      }
      if (!TRANSIENT(answer.status)) throw new GraphSyncError('graph_refused', error, answer.status);
    } catch (err) {
      if (err instanceof GraphSyncError) throw err;
      if (hooks.signal?.aborted) throw hooks.signal.reason;
      // No answer at all: the network, a reset, our timeout. Worth another try like a 503.
      error = `no answer from Graph: ${(err as Error).message}`;
    }
    if (attempt >= policy.maxTries) {
      throw new GraphSyncError('graph_unavailable', `${error}; gave up after ${attempt} tries`, status);
    }
    const asked = retryAfterMs(retryAfter, hooks.now());
    const waitMs = asked ?? Math.min(policy.maxBackoffMs, policy.backoffBaseMs * 2 ** (attempt - 1));
    if (waitMs > policy.maxWaitMs) {
      throw new GraphSyncError('graph_unavailable', `${error}; it asks to wait ${Math.ceil(waitMs / 1000)} s, more than this sync waits`, status);
    }
    hooks.onRetry?.({ url, attempt, status, waitMs, error });
    await hooks.keepAlive(waitMs + policy.requestTimeoutMs);
    await hooks.sleep(waitMs, hooks.signal);
  }
}
