import { BatchedTransactions } from '../../src/store/batched-transactions';
import type { Store } from '../../src/store/database';
import { enqueue } from '../../src/store/outbox-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';

/** Small tenant transactions that arrive together commit together; one that fails fails alone. */
describeEachEngine('batched tenant transactions', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let at: string;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    const { clock } = await setUpTenant(store);
    at = clock.now().toISOString();
  });
  afterEach(async () => cleanup());

  const keys = async () => (await store.db.selectFrom('outbox').select('dedupe_key').where('tenant_id', '=', T).orderBy('dedupe_key').execute()).map((r) => r.dedupe_key);
  const queue = (tx: Parameters<Parameters<Store['inTransaction']>[0]>[0], key: string) => enqueue(tx, { tenantId: T, kind: 'test.note', dedupeKey: key, payload: {}, at });

  it('runs the calls made together in one transaction and gives each its own result once committed', async () => {
    const batched = new BatchedTransactions(store);
    const transactions = jest.spyOn(store, 'inTenantTransaction');
    const results = await Promise.all(['a', 'b', 'a', 'c'].map((key) => batched.run(T, (tx) => queue(tx, key))));
    expect(results).toEqual([true, true, false, true]); // the second 'a' sees the first, in the same transaction
    expect(transactions).toHaveBeenCalledTimes(1);
    expect(await keys()).toEqual(['a', 'b', 'c']);
  });

  it('runs the calls again each alone when the shared transaction fails, so only the failing one fails', async () => {
    const batched = new BatchedTransactions(store);
    const bug = new Error('a bug in one call');
    const settled = await Promise.allSettled([
      batched.run(T, (tx) => queue(tx, 'a')),
      batched.run(T, async (tx) => {
        await queue(tx, 'rolled-back');
        throw bug;
      }),
      batched.run(T, (tx) => queue(tx, 'b')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBe(bug);
    expect(await keys()).toEqual(['a', 'b']);
  });

  it('takes calls made while a batch commits into the next one', async () => {
    const batched = new BatchedTransactions(store);
    const first = batched.run(T, (tx) => queue(tx, 'first'));
    await new Promise((r) => setImmediate(r)); // the first batch has started
    const later = await Promise.all(['x', 'y'].map((key) => batched.run(T, (tx) => queue(tx, key))));
    expect(await first).toBe(true);
    expect(later).toEqual([true, true]);
    expect(await keys()).toEqual(['first', 'x', 'y']);
  });
});
