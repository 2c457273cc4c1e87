import type { Store, Tx } from './database';

interface Pending {
  fn: (tx: Tx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** The most calls one shared transaction takes. */
const MAX_BATCH = 100;

/**
 * Group commit for small tenant transactions that arrive together (200 meetings ending at once): the calls made
 * while one tenant's transaction is committing, or in the same turn of the event loop, run one after the other in
 * the next transaction of that tenant, and each call's promise settles once that transaction has committed. On
 * SQLite each commit waits for an fsync with the event loop blocked (better-sqlite3 is synchronous); on PostgreSQL
 * each transaction takes the tenant's row lock and its round trips again.
 *
 * Should the shared transaction fail, each call runs again alone, in a transaction of its own, so one that fails
 * (a bug, a constraint) fails alone and the others commit. So `fn` must do nothing but database work in `tx`, and
 * may run twice (the first run rolled back).
 */
export class BatchedTransactions {
  private readonly pending = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();

  constructor(private readonly store: Store) {}

  run<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.pending.get(tenantId);
      if (!queue) {
        queue = [];
        this.pending.set(tenantId, queue);
      }
      queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.flushing.has(tenantId)) return;
      this.flushing.add(tenantId);
      // After this turn of the event loop: the calls of the requests read with this one join the batch.
      setImmediate(() => void this.flush(tenantId));
    });
  }

  private async flush(tenantId: string): Promise<void> {
    const queue = this.pending.get(tenantId)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      if (batch.length === 1) {
        await this.alone(tenantId, batch[0]!);
        continue;
      }
      try {
        const results = await this.store.inTenantTransaction(tenantId, async (tx) => {
          const out: unknown[] = [];
          for (const call of batch) out.push(await call.fn(tx));
          return out;
        });
        batch.forEach((call, i) => call.resolve(results[i]));
      } catch {
        for (const call of batch) await this.alone(tenantId, call);
      }
    }
    this.pending.delete(tenantId);
    this.flushing.delete(tenantId);
  }

  private async alone(tenantId: string, call: Pending): Promise<void> {
    try {
      call.resolve(await this.store.inTenantTransaction(tenantId, call.fn));
    } catch (err) {
      call.reject(err);
    }
  }
}

const perStore = new WeakMap<Store, BatchedTransactions>();

/** The store's BatchedTransactions (one per store, so that every caller's calls share its batches). */
export function batchedTransactionsOf(store: Store): BatchedTransactions {
  let batched = perStore.get(store);
  if (!batched) {
    batched = new BatchedTransactions(store);
    perStore.set(store, batched);
  }
  return batched;
}
