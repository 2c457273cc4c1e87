import { enqueueAdminNotices } from '../../src/notify/admin-notices';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, USERS, setUpTenant } from '../support/fixtures';

/**
 * enqueueAdminNotices: several keys of one notice in one statement (the fraud guard's new incidents of a chunk), with
 * what one enqueueAdminNotice per key would have done: one row per key and admin, none twice, per key how many were new.
 */
describeEachEngine('admin notices, several keys at once', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store));
  });
  afterEach(async () => cleanup());

  const enqueue = (keys: string[], adminIds: string[]) =>
    store.inTenantTransaction(T, (tx) => enqueueAdminNotices(tx, { tenantId: T, notice: 'test_notice', keys, adminIds, at: tollgate.clock.now().toISOString() }));

  it('queues one row per key and admin, counts the new ones per key, and queues none twice', async () => {
    expect(await enqueue(['a', 'b'], [USERS.sub, USERS.addon, USERS.sub])).toEqual([2, 2]);
    // 'b' is queued for both already; 'c' is new; 'a' gains one admin.
    expect(await enqueue(['b', 'c', 'a'], [USERS.sub, USERS.addon, USERS.ppm])).toEqual([1, 3, 1]);
    expect(await enqueue(['a'], [])).toEqual([0]);
    expect(await enqueue([], [USERS.sub])).toEqual([]);
    const rows = await store.db.selectFrom('outbox').select(['dedupe_key', 'payload']).where('tenant_id', '=', T).execute();
    expect(rows.map((r) => r.dedupe_key).sort()).toEqual(
      ['a', 'b', 'c'].flatMap((k) => [USERS.addon, USERS.ppm, USERS.sub].map((u) => `test_notice:${k}:${u}`)).sort(),
    );
    for (const r of rows) {
      const p = JSON.parse(r.payload) as { notice: string; key: string; adminId: string };
      expect(r.dedupe_key).toBe(`${p.notice}:${p.key}:${p.adminId}`);
    }
  });

  it('queues more rows than one statement takes (over 500) in several, none lost', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    const admins = Array.from({ length: 10 }, (_, i) => `admin-${i}`);
    expect(await enqueue(keys, admins)).toEqual(keys.map(() => 10));
    expect(await enqueue(keys, admins)).toEqual(keys.map(() => 0));
    const { n } = await store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', T).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(600);
  });
});
