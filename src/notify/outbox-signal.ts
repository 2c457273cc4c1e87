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
