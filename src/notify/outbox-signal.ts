import type { OutboxRow } from '../store/outbox-store';

/**
 * In-process wake-up for the outbox workers of one Store: code that has just committed new outbox rows calls
 * outboxEnqueued(store), and a worker of this process delivers them at once instead of at its next poll. Only a
 * hint, never the way rows are found: workers keep polling, which is how rows queued by other processes and replicas
 * (or by a commit whose caller did not signal) are delivered.
 */
const listeners = new WeakMap<object, Set<() => void>>();

/** Calls `listener` whenever outboxEnqueued(store) is called; returns the unsubscribe. */
export function onOutboxEnqueued(store: object, listener: () => void): () => void {
  let set = listeners.get(store);
  if (!set) {
    set = new Set();
    listeners.set(store, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/** Call after the transaction that enqueued outbox rows has committed (before, a worker could look too early). */
export function outboxEnqueued(store: object): void {
  for (const listener of listeners.get(store) ?? []) listener();
}

/**
 * A started outbox worker of this process that takes rows inserted already claimed for it (enqueueClaimed) and
 * delivers them as soon as their transaction has committed: no wake-up, no claim statement, no poll.
 */
export interface OutboxTaker {
  /** The lease to insert a row with, from now (the worker's clock and lease). */
  leaseUntil(): string;
  /**
   * Delivers a committed row inserted with leaseUntil()'s lease. `readAhead`: what its handler would read first, read
   * with the insert (the handler gets it as the claim's readAhead, on this attempt only).
   */
  take(row: OutboxRow, readAhead?: unknown): void;
}

const takers = new WeakMap<object, OutboxTaker>();

/** Offers `taker` for rows of `store` (the first one offered is used); returns the withdrawal. */
export function offerOutboxTaker(store: object, taker: OutboxTaker): () => void {
  if (!takers.has(store)) takers.set(store, taker);
  return () => {
    if (takers.get(store) === taker) takers.delete(store);
  };
}

/** This process's worker for rows of `store`, when one is running: enqueue claimed for it, then hand it the row. */
export function outboxTakerOf(store: object): OutboxTaker | undefined {
  return takers.get(store);
}
