import { outboxTakerOf } from '../../src/notify/outbox-signal';
import { OutboxWorker, type OutboxHandler, type SharedOutboxRecord } from '../../src/notify/outbox-worker';
import { silentLogger } from '../../src/observability/logger';
import type { Store, Tx } from '../../src/store/database';
import { enqueue, enqueueClaimed, markDoneMany } from '../../src/store/outbox-store';
import type { FixedClock } from '../../src/time/clock';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * Rows this process queues already claimed for its running worker (the post-meeting card) are handed over and sent
 * at once, without a claim or a poll, and stay crash-safe: left undelivered, they come back when their lease runs
 * out. Delivered rows are marked done (with what each send recorded) in one transaction for all that finished together.
 */
const AN_HOUR = 3_600_000;
const LEASE_MS = 60_000;
jest.setTimeout(scaled(20_000));

describeEachEngine('outbox worker: rows handed over at commit, done marks in one transaction', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clock: FixedClock;
  const workers: OutboxWorker[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ clock } = await setUpTenant(store));
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await cleanup();
  });

  const worker = (handler: OutboxHandler, options: { concurrency?: number } = {}) => {
    const w = new OutboxWorker(store, clock, silentLogger, { 'test.note': handler }, { pollMs: AN_HOUR, leaseMs: LEASE_MS, ...options });
    workers.push(w);
    return w;
  };
  const message = (key: string) => ({ tenantId: T, kind: 'test.note', dedupeKey: key, payload: { key }, at: clock.now().toISOString() });
  const states = async () =>
    Object.fromEntries(
      (await store.db.selectFrom('outbox').select(['dedupe_key', 'status', 'attempts', 'last_error']).where('tenant_id', '=', T).execute()).map((r) => [
        r.dedupe_key,
        { status: r.status, attempts: Number(r.attempts), error: r.last_error },
      ]),
    );
  const enqueueAll = (keys: readonly string[]) =>
    store.inTenantTransaction(T, async (tx) => {
      for (const key of keys) await enqueue(tx, message(key));
    });
  /** The connector answering `n` deliveries at once: each call waits until all `n` are in flight. */
  const answeredTogether = (n: number) => {
    let inFlight = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    return () => {
      if (++inFlight === n) release();
      return gate;
    };
  };
  const until = async (done: () => Promise<boolean>) => {
    while (!(await done())) await new Promise((r) => setTimeout(r, 5));
  };

  it('delivers a row queued claimed for it as soon as it is handed over, as its first and only attempt', async () => {
    const seen: string[] = [];
    const w = worker(async (_row, payload) => void seen.push((payload as { key: string }).key));
    expect(outboxTakerOf(store)).toBeUndefined();
    w.start();
    const taker = outboxTakerOf(store)!;
    expect(taker).toBeDefined();
    const row = await store.inTenantTransaction(T, (tx) => enqueueClaimed(tx, message('handed'), taker.leaseUntil()));
    expect(row).toMatchObject({ status: 'sending', attempts: 1, lease_until: new Date(clock.now().getTime() + LEASE_MS).toISOString() });
    // The same key again is not queued twice.
    expect(await store.inTenantTransaction(T, (tx) => enqueueClaimed(tx, message('handed'), taker.leaseUntil()))).toBeUndefined();
    taker.take(row!);
    await until(async () => (await states()).handed?.status === 'done');
    expect(seen).toEqual(['handed']);
    expect((await states()).handed).toEqual({ status: 'done', attempts: 1, error: null });
    await w.stop();
    expect(outboxTakerOf(store)).toBeUndefined();
  });

  it('leaves a row handed over to a stopped worker claimed until its lease runs out; then any worker delivers it once', async () => {
    const seen: string[] = [];
    const handler: OutboxHandler = async (_row, payload) => void seen.push((payload as { key: string }).key);
    const w = worker(handler);
    w.start();
    const taker = outboxTakerOf(store)!;
    const row = await store.inTenantTransaction(T, (tx) => enqueueClaimed(tx, message('orphan'), taker.leaseUntil()));
    await w.stop(); // as if the process died between the commit and the delivery
    taker.take(row!);
    const other = worker(handler);
    expect(await other.runOnce()).toBe(0); // its claim still holds
    clock.advance(LEASE_MS + 1);
    expect(await other.runOnce()).toBe(1);
    expect(seen).toEqual(['orphan']);
    expect((await states()).orphan).toEqual({ status: 'done', attempts: 2, error: null });
  });

  it('marks the rows delivered together done in one transaction with their records; a record that fails fails only its row', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    await enqueueAll(keys);
    const answer = answeredTogether(keys.length);
    const recorded: string[] = [];
    const w = worker(
      async (_row, payload) => {
        const key = (payload as { key: string }).key;
        // The connector answers all four at once.
        await answer();
        return async (tx) => {
          if (key === 'c') throw new Error('a bug in the record');
          await tx.selectFrom('outbox').select('id').where('tenant_id', '=', T).execute();
          recorded.push(key);
        };
      },
      { concurrency: keys.length },
    );
    expect(await w.runOnce()).toBe(keys.length);
    // Together first (rolled back by c's failure), then each alone.
    expect([...new Set(recorded)].sort()).toEqual(['a', 'b', 'd']);
    const after = await states();
    expect([after.a, after.b, after.d]).toEqual(Array(3).fill({ status: 'done', attempts: 1, error: null }));
    expect(after.c).toEqual({ status: 'pending', attempts: 1, error: 'a bug in the record' });
  });

  it('marks the rows delivered together done in one transaction', async () => {
    const keys = ['a', 'b', 'c'];
    await enqueueAll(keys);
    const answer = answeredTogether(keys.length);
    const w = worker(
      async () => {
        await answer();
        return async (tx) => tx.selectFrom('outbox').select('id').where('tenant_id', '=', T).execute();
      },
      { concurrency: keys.length },
    );
    const transactions = jest.spyOn(store, 'inTransaction');
    expect(await w.runOnce()).toBe(keys.length);
    expect(transactions).toHaveBeenCalledTimes(2); // the claim, and the three done marks
    expect(Object.values(await states())).toEqual(Array(3).fill({ status: 'done', attempts: 1, error: null }));
  });

  it('on PostgreSQL writes shared records and the done marks in one call, without a transaction; failing, each row alone', async () => {
    const keys = ['a', 'b', 'c'];
    await enqueueAll(keys);
    const answer = answeredTogether(keys.length);
    const separate: string[][] = [];
    const combined: { items: string[]; rows: string[] }[] = [];
    let failOnce = true;
    const writeAll = async (_tx: Tx, items: string[]) => void separate.push([...items].sort());
    const writeAllMarkingDone: SharedOutboxRecord<string>['writeAllMarkingDone'] = async (tx, items, rows, at) => {
      combined.push({ items: [...items].sort(), rows: rows.map((r) => r.id) });
      if (failOnce && items.length > 1) {
        failOnce = false;
        throw new Error('the combined write failed');
      }
      return markDoneMany(tx, rows, at);
    };
    const record = (key: string): SharedOutboxRecord<string> => ({ item: key, writeAll, writeAllMarkingDone });
    const w = worker(
      async (_row, payload) => {
        await answer();
        return record((payload as { key: string }).key);
      },
      { concurrency: keys.length },
    );
    const transactions = jest.spyOn(store, 'inTransaction');
    expect(await w.runOnce()).toBe(keys.length);
    expect(Object.values(await states())).toEqual(Array(3).fill({ status: 'done', attempts: 1, error: null }));
    if (engine === 'postgres') {
      expect(separate).toEqual([]);
      // Together (failing), then each row alone: every call with the rows of its items.
      expect(combined[0]!.items).toEqual(['a', 'b', 'c']);
      expect(combined[0]!.rows).toHaveLength(3);
      expect(combined.slice(1).map((c) => c.items).sort()).toEqual([['a'], ['b'], ['c']]);
      for (const c of combined) expect(c.rows).toHaveLength(c.items.length);
      expect(transactions).toHaveBeenCalledTimes(1); // the claim only
    } else {
      expect(combined).toEqual([]);
      expect(separate).toEqual([['a', 'b', 'c']]);
      expect(transactions).toHaveBeenCalledTimes(2); // the claim, and the done marks with the record
    }
  });

  it('writes a shared record once for the rows delivered together, with all their items; failing, each row alone', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    await enqueueAll(keys);
    const answer = answeredTogether(keys.length);
    const calls: string[][] = [];
    const writeAll = async (tx: Tx, items: string[]) => {
      calls.push([...items].sort());
      await tx.selectFrom('outbox').select('id').where('tenant_id', '=', T).execute();
      if (items.includes('c')) throw new Error('c cannot be recorded');
    };
    const own: string[] = [];
    const w = worker(
      async (_row, payload) => {
        const key = (payload as { key: string }).key;
        await answer();
        // d records on its own, the others share one write.
        if (key === 'd') return async () => void own.push(key);
        const record: SharedOutboxRecord<string> = { item: key, writeAll };
        return record;
      },
      { concurrency: keys.length },
    );
    expect(await w.runOnce()).toBe(keys.length);
    // Together first (one call with a, b and c, rolled back by c), then each row alone.
    expect(calls[0]).toEqual(['a', 'b', 'c']);
    expect(calls.slice(1).sort()).toEqual([['a'], ['b'], ['c']]);
    expect(own).toEqual(['d', 'd']);
    const after = await states();
    expect([after.a, after.b, after.d]).toEqual(Array(3).fill({ status: 'done', attempts: 1, error: null }));
    expect(after.c).toEqual({ status: 'pending', attempts: 1, error: 'c cannot be recorded' });
  });
});
