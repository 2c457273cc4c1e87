import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Insertable } from 'kysely';
import { SQLITE_CACHED_SQL_MAX_LENGTH, withStatementCache } from '../../src/store/database';
import type { TenantsTable } from '../../src/store/schema';
import { describeEachEngine, freshStore } from '../support/engines';

/**
 * Kysely's SQLite driver runs on statements prepared once per SQL text (src/store/database.ts): the answers must be
 * those of a fresh statement every time (after writes, rollbacks, a schema change, while the same query is still
 * being streamed), and the cache must stay bounded.
 */

interface Db {
  t: { id: number; v: string };
}

function scratch(size?: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-stmt-'));
  const database = new BetterSqlite3(path.join(dir, 'x.db'));
  const prepared: string[] = [];
  const prepare = database.prepare.bind(database);
  database.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof database.prepare;
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: withStatementCache(database, size) }) });
  return { db, prepared, cleanup: async () => (await db.destroy(), fs.rmSync(dir, { recursive: true, force: true })) };
}

describe('SQLite statement cache', () => {
  it('prepares a query once and answers what the table holds now, after writes and rollbacks', async () => {
    const { db, prepared, cleanup } = scratch();
    try {
      await sql`create table t (id integer primary key, v text not null)`.execute(db);
      const read = () => db.selectFrom('t').selectAll().orderBy('id').execute();
      expect(await read()).toEqual([]);
      await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
      expect(await read()).toEqual([{ id: 1, v: 'a' }]);
      await db.insertInto('t').values({ id: 2, v: 'b' }).execute();
      await expect(
        db.transaction().execute(async (tx) => {
          await tx.updateTable('t').set({ v: 'changed' }).execute();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await read()).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ]);
      const selects = prepared.filter((s) => s.startsWith('select * from "t"'));
      expect(selects).toHaveLength(1);
      expect(prepared.filter((s) => s.startsWith('insert'))).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it('sees a schema change through a statement prepared before it', async () => {
    const { db, cleanup } = scratch();
    try {
      await sql`create table t (id integer primary key, v text not null)`.execute(db);
      await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
      const read = () => db.selectFrom('t').selectAll().execute();
      expect(await read()).toEqual([{ id: 1, v: 'a' }]);
      await sql`alter table t add column w text`.execute(db);
      expect(await read()).toEqual([{ id: 1, v: 'a', w: null }]);
    } finally {
      await cleanup();
    }
  });

  it('hands out a fresh statement while the cached one is still being iterated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-stmt-'));
    const database = new BetterSqlite3(path.join(dir, 'x.db'));
    try {
      database.exec('create table t (id integer primary key); insert into t values (1), (2)');
      const cache = withStatementCache(database);
      const text = 'select id from t order by id';
      const streaming = cache.prepare(text).iterate([]);
      expect(streaming.next().value).toEqual({ id: 1 });
      expect(cache.prepare(text).all([])).toEqual([{ id: 1 }, { id: 2 }]);
      expect(streaming.next().value).toEqual({ id: 2 });
      streaming.return?.();
      expect(cache.prepare(text).all([])).toEqual([{ id: 1 }, { id: 2 }]);
    } finally {
      database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prepares a long fixed text once (the card delivery read), and one over the length limit every time', async () => {
    const { db, prepared, cleanup } = scratch();
    try {
      await sql`create table t (id integer primary key, v text not null)`.execute(db);
      await db.insertInto('t').values({ id: 1, v: 'a' }).execute();
      // A long select of one fixed text: column aliases make it long, as the delivery read's CTEs do.
      const longRead = (columns: number) =>
        sql<{ c0: string }>`select ${sql.raw(Array.from({ length: columns }, (_, i) => `v as c${i}_${'x'.repeat(20)}`).join(', '))} from t`.execute(db);
      const columnsUnder = Math.floor((SQLITE_CACHED_SQL_MAX_LENGTH - 50) / 40);
      const columnsOver = Math.ceil(SQLITE_CACHED_SQL_MAX_LENGTH / 20);
      for (let i = 0; i < 3; i++) {
        expect((await longRead(columnsUnder)).rows).toHaveLength(1);
        expect((await longRead(columnsOver)).rows).toHaveLength(1);
      }
      const lengths = prepared.filter((s) => s.startsWith('select v as')).map((s) => s.length);
      expect(lengths.filter((n) => n > 3_900 && n <= SQLITE_CACHED_SQL_MAX_LENGTH)).toHaveLength(1);
      expect(lengths.filter((n) => n > SQLITE_CACHED_SQL_MAX_LENGTH)).toHaveLength(3);
    } finally {
      await cleanup();
    }
  });

  it('keeps at most its size of statements, the least recently used going first', async () => {
    const { db, prepared, cleanup } = scratch(3);
    try {
      await sql`create table t (id integer primary key, v text not null)`.execute(db);
      const byId = (n: number) => db.selectFrom('t').select('v').where('id', 'in', Array.from({ length: n }, (_, i) => i)).execute();
      for (const n of [1, 2, 3, 1, 4, 1, 2]) await byId(n);
      // 1, 2, 3 prepared; 1 hit; 4 pushes out 2 (least recently used); 1 hit; 2 prepared again.
      const counts = [1, 2, 3, 4].map((n) => prepared.filter((s) => s.includes(`in (${Array(n).fill('?').join(', ')})`)).length);
      expect(counts).toEqual([1, 2, 1, 1]);
    } finally {
      await cleanup();
    }
  });
});

describeEachEngine('store transactions on cached statements', (engine) => {
  it('commits and rolls back tenant transactions one after another, and reads what was committed', async () => {
    const { store, cleanup } = await freshStore(engine);
    try {
      await store.db.insertInto('tenants').values(tenantRow('t-cache')).execute();
      for (let i = 1; i <= 3; i++) {
        await store.inTenantTransaction('t-cache', (tx) => tx.updateTable('tenants').set({ name: `name ${i}` }).where('tenant_id', '=', 't-cache').execute());
        await expect(
          store.inTenantTransaction('t-cache', async (tx) => {
            await tx.updateTable('tenants').set({ name: 'rolled back' }).where('tenant_id', '=', 't-cache').execute();
            throw new Error('no');
          }),
        ).rejects.toThrow('no');
        const row = await store.db.selectFrom('tenants').select('name').where('tenant_id', '=', 't-cache').executeTakeFirstOrThrow();
        expect(row.name).toBe(`name ${i}`);
      }
    } finally {
      await cleanup();
    }
  });
});

function tenantRow(tenantId: string): Insertable<TenantsTable> {
  return {
    tenant_id: tenantId,
    name: 'cache',
    country: 'US',
    currency: 'USD',
    billing_mode: 'prepaid',
    pool_licenses: 0,
    global_dial_out_policy: 'DialoutCPCandPSTNInternational',
    auto_recharge_trigger_micros: null,
    auto_recharge_amount_micros: null,
    low_balance_alert_micros: null,
    balance_micros: 0,
    last_entry_seq: 0,
    funded_total_micros: 0,
    last_leg_seq: 0,
    created_at: '2026-11-01T00:00:00.000Z',
  };
}
