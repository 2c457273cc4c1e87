import { sql } from 'kysely';
import { addDays } from '../../src/fraud/recent-history';
import type { Store } from '../../src/store/database';
import { loadBaseline } from '../../src/store/fraud-store';
import { FRAUD_WITHOUT_ROWID_TABLES } from '../../src/store/fraud-migration';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { setUpFraudTenant, FRAUD_NUMBERS } from '../fraud/support';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * Migration 0011: on SQLite the guard's rollup tables and incident legs are WITHOUT ROWID, and the organizer-day rows
 * are keyed by (tenant, day, organizer), so a chunk's new rows go to the end of one B-tree instead of into every
 * organizer's pages. Same rows, same uniqueness, same answers; PostgreSQL is left as it was.
 */
describeEachEngine('migration 0011: the guard\'s rollups without rowid', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => {
    await cleanup();
  });

  /** Every row of the four tables, in a fixed order. */
  async function allRows(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const table of FRAUD_WITHOUT_ROWID_TABLES) {
      const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(store.db)).rows;
      out[table] = rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v : Number(v)]))).sort();
    }
    return out;
  }

  /** SQLite: whether the table is WITHOUT ROWID, and its primary key's columns in order. */
  async function sqliteShape(table: string): Promise<{ withoutRowid: boolean; key: string[] }> {
    const create = (await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ${table}`.execute(store.db)).rows[0]!.sql;
    const columns = (await sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info(${table})`.execute(store.db)).rows;
    return { withoutRowid: /WITHOUT ROWID\s*$/i.test(create), key: columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name) };
  }

  it('keeps every row through down and up, and the guard goes on adding to the same rows', async () => {
    const { tollgate } = await setUpFraudTenant(store);
    const ingest = async (legs: Record<string, unknown>[]) => {
      const r = await tollgate.intake.ingest(T, legs);
      if (!r.ok) throw new Error(r.message);
    };
    // Day rows of two organizers on two days, a short call's range, two countries, and an incident with its legs.
    await ingest([
      leg({ number: NUMBERS.gbLandline, seconds: 600, start: '2026-11-09T15:00:00Z' }),
      leg({ number: NUMBERS.deLandline, seconds: 30, start: '2026-11-10T09:00:00Z', organizer: USERS.addon }),
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 300, start: '2026-11-10T16:00:00Z' }),
      leg({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 240, start: '2026-11-10T16:10:00Z' }),
    ]);
    // Where 0011 left them: before 0018 moved the day rows into the organizers' spend rows.
    const before0018 = '0017_meeting_card_occurrences';
    await migrateDownTo(store.db, before0018);
    const before = await allRows();
    for (const table of FRAUD_WITHOUT_ROWID_TABLES) expect([table, before[table]!.length > 0]).toEqual([table, true]);

    await migrateDownTo(store.db, '0010_intake_ledger_leg_seq');
    if (engine === 'sqlite') {
      for (const table of FRAUD_WITHOUT_ROWID_TABLES) expect((await sqliteShape(table)).withoutRowid).toBe(false);
      expect((await sqliteShape('fraud_organizer_days')).key).toEqual(['tenant_id', 'organizer_id', 'day']);
    }
    expect(await allRows()).toEqual(before);

    await migrateDownTo(store.db, before0018);
    if (engine === 'sqlite') {
      for (const table of FRAUD_WITHOUT_ROWID_TABLES) expect([table, (await sqliteShape(table)).withoutRowid]).toEqual([table, true]);
      expect((await sqliteShape('fraud_organizer_days')).key).toEqual(['tenant_id', 'day', 'organizer_id']);
      expect((await sqliteShape('fraud_range_days')).key).toEqual(['tenant_id', 'number_range', 'day']);
      expect((await sqliteShape('fraud_incident_legs')).key).toEqual(['tenant_id', 'incident_id', 'leg_id']);
    }
    expect(await allRows()).toEqual(before);

    // The same organizer and day again: its row grows (no second row), and the open incident takes the new leg.
    await migrateToLatest(store.db);
    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(2), seconds: 120, start: '2026-11-10T16:30:00Z' })]);
    const days = await store.db.selectFrom('spend_daily_organizer').select(['dialout_seconds', 'dialout_legs']).where('tenant_id', '=', T).where('organizer_id', '=', USERS.sub).where('day', '=', '2026-11-10').execute();
    expect(days.map((d) => [Number(d.dialout_seconds), Number(d.dialout_legs)])).toEqual([[660, 3]]);
    const incidents = await store.db.selectFrom('fraud_incidents').select(['pattern', 'legs']).where('tenant_id', '=', T).execute();
    expect(incidents.map((i) => [i.pattern, Number(i.legs)])).toEqual([['premium_rate', 3]]);
    expect(await store.db.selectFrom('fraud_incident_legs').select('leg_id').where('tenant_id', '=', T).execute()).toHaveLength(3);
  }, scaled(60_000));

  it("an organizer's baseline is the sum of exactly the 28 days before the day, of that organizer and tenant only", async () => {
    const day = '2026-03-10';
    const row = (tenant: string, organizer: string, d: string, seconds: number) => ({
      tenant_id: tenant, organizer_id: organizer, day: d, legs: 1, charge_micros: 0, billed_seconds: seconds, dialout_seconds: seconds, dialout_legs: 1, hour_seconds: '', night_seconds: 0,
    });
    await store.db
      .insertInto('spend_daily_organizer')
      .values([
        row(T, 'org-1', addDays(day, -29), 1), // before the window
        row(T, 'org-1', addDays(day, -28), 10), // its first day (2026-02-10: across February)
        row(T, 'org-1', addDays(day, -15), 100),
        row(T, 'org-1', addDays(day, -1), 1000), // its last day
        row(T, 'org-1', day, 10_000), // the day itself: not in its own baseline
        row(T, 'org-2', addDays(day, -5), 100_000), // another organizer
        row('tenant-b', 'org-1', addDays(day, -5), 1_000_000), // another tenant
      ])
      .execute();
    await store.inTransaction(async (tx) => {
      expect(await loadBaseline(store, tx, T, 'org-1', day, addDays(day, -28))).toBe(1110);
      expect(await loadBaseline(store, tx, T, 'org-2', day, addDays(day, -28))).toBe(100_000);
      expect(await loadBaseline(store, tx, T, 'org-3', day, addDays(day, -28))).toBe(0);
      // A longer window than one statement's days: still every day of it.
      expect(await loadBaseline(store, tx, T, 'org-1', day, addDays(day, -40))).toBe(1111);
    });
  });
});
