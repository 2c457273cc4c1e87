import type { Store } from '../../src/store/database';
import { sql } from 'kysely';
import { runPrepared, runShaped, runShapedList } from '../../src/store/shaped-query';
import { findTenant } from '../../src/store/tenant-store';
import { findUser } from '../../src/store/user-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, USERS, setUpTenant } from '../support/fixtures';

/** Queries compiled once and then only bound again: each call must still get its own parameters' rows. */
describeEachEngine('runShaped', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    await setUpTenant(store, {});
    await setUpTenant(store, {}, 'tenant-b');
  });
  afterAll(async () => cleanup());

  it('answers each call with its own parameters, on the database and inside transactions', async () => {
    expect((await findTenant(store.db, T))?.tenant_id).toBe(T);
    expect((await findTenant(store.db, 'tenant-b'))?.tenant_id).toBe('tenant-b');
    expect(await findTenant(store.db, 'tenant-none')).toBeUndefined();
    expect((await findUser(store.db, T, USERS.ppm))?.aad_object_id).toBe(USERS.ppm);
    expect((await findUser(store.db, T, 'PPM@Contoso.Example'))?.aad_object_id).toBe(USERS.ppm);
    expect(await findUser(store.db, 'tenant-none', USERS.ppm)).toBeUndefined();
    await store.inTransaction(async (tx) => {
      expect((await findTenant(tx, 'tenant-b'))?.tenant_id).toBe('tenant-b');
      expect((await findUser(tx, T, USERS.sub))?.aad_object_id).toBe(USERS.sub);
    });
  });

  it('refuses a query whose parameters are not the ones it was given', async () => {
    const build = () => store.db.selectFrom('tenants').selectAll().where('tenant_id', '=', T);
    await expect(runShaped(store.db, 'test: wrong order', ['x'], build)).rejects.toThrow(/binds other parameters/);
    await expect(runShaped(store.db, 'test: too many', [T, T], build)).rejects.toThrow(/binds other parameters/);
    expect(await runShaped(store.db, 'test: right', [T], build)).toHaveLength(1);
  });

  it('runPrepared: each call its own rows; on PostgreSQL a named prepared statement of the connection', async () => {
    const read = (tx: Parameters<typeof runPrepared>[0], tenantId: string) =>
      runPrepared<{ tenant_id: string }>(tx, 'test.tenantById', [tenantId], () => sql<{ tenant_id: string }>`select tenant_id from tenants where tenant_id = ${tenantId}`);
    await store.inTransaction(async (tx) => {
      expect(await read(tx, T)).toEqual([{ tenant_id: T }]);
      expect(await read(tx, 'tenant-b')).toEqual([{ tenant_id: 'tenant-b' }]);
      expect(await read(tx, 'tenant-none')).toEqual([]);
      if (engine === 'postgres') {
        // The connection holds it by name (parsed once, then only bound and executed).
        const held = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements where name = 'tollgate.test.tenantById'`.execute(tx);
        expect(held.rows).toHaveLength(1);
        expect(held.rows[0]!.statement).toContain('from tenants where tenant_id = $1');
      }
    });
  });

  it('runShapedList: lists of each length get their rows, a list longer than the kept shapes too', async () => {
    const tenants = (ids: string[]) =>
      runShapedList<{ tenant_id: string }>(store.db, 'test.tenantsIn', ids.length, ids, () => store.db.selectFrom('tenants').select('tenant_id').where('tenant_id', 'in', ids));
    expect(await tenants([T])).toEqual([{ tenant_id: T }]);
    expect((await tenants(['tenant-b', T])).map((r) => r.tenant_id).sort()).toEqual(['tenant-b', T].sort());
    const many = [...Array.from({ length: 150 }, (_, i) => `none-${i}`), 'tenant-b'];
    expect(await tenants(many)).toEqual([{ tenant_id: 'tenant-b' }]);
  });
});
