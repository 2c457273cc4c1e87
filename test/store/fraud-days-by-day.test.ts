import { sql } from 'kysely';
import type { Store } from '../../src/store/database';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { setUpFraudTenant, FRAUD_NUMBERS } from '../fraud/support';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * Migration 0015: on PostgreSQL the organizer-day rows are keyed by (tenant, day, organizer), as 0011 keyed them on
 * SQLite: same rows, same uniqueness, the guard's upserts and reads the same; down puts the old key back.
 */
describeEachEngine('migration 0015: the organizer-day rows keyed by day', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => {
    await cleanup();
  });

  /** The primary key's columns in order. */
  async function dayKey(): Promise<string[]> {
    if (engine === 'sqlite') {
      const columns = (await sql<{ name: string; pk: number }>`SELECT name, pk FROM pragma_table_info('fraud_organizer_days')`.execute(store.db)).rows;
      return columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    }
    const rows = await sql<{ column: string }>`SELECT a.attname AS column FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = 'fraud_organizer_days'::regclass AND i.indisprimary ORDER BY k.n`.execute(store.db);
    return rows.rows.map((r) => r.column);
  }

  async function dayRows(): Promise<string[]> {
    // The table as 0015 left it (0018 drops it; Kysely's schema no longer has it).
    const rows = (await sql<Record<string, string | number>>`SELECT * FROM fraud_organizer_days`.execute(store.db)).rows;
    return rows.map((r) => [r.tenant_id, r.organizer_id, r.day, Number(r.dialout_seconds), Number(r.dialout_legs), r.hour_seconds, Number(r.night_seconds)].join('|')).sort();
  }

  it('keeps every row through down and up, and the guard goes on adding to the same rows', async () => {
    const { tollgate } = await setUpFraudTenant(store);
    const ingest = async (legs: Record<string, unknown>[]) => {
      const r = await tollgate.intake.ingest(T, legs);
      if (!r.ok) throw new Error(r.message);
    };
    await ingest([
      leg({ number: NUMBERS.gbLandline, seconds: 600, start: '2026-11-09T15:00:00Z' }),
      leg({ number: NUMBERS.deLandline, seconds: 30, start: '2026-11-10T09:00:00Z', organizer: USERS.addon }),
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 300, start: '2026-11-10T16:00:00Z' }),
    ]);
    // Where 0015 left them: before 0018 moved the day rows into the organizers' spend rows.
    const before0018 = '0017_meeting_card_occurrences';
    await migrateDownTo(store.db, before0018);
    const before = await dayRows();
    expect(before).toHaveLength(3);
    expect(await dayKey()).toEqual(['tenant_id', 'day', 'organizer_id']);

    await migrateDownTo(store.db, '0014_meetings_organizer_day');
    // SQLite kept the key 0011 gave it; PostgreSQL has 0005's again.
    expect(await dayKey()).toEqual(engine === 'sqlite' ? ['tenant_id', 'day', 'organizer_id'] : ['tenant_id', 'organizer_id', 'day']);
    expect(await dayRows()).toEqual(before);

    await migrateDownTo(store.db, before0018);
    expect(await dayKey()).toEqual(['tenant_id', 'day', 'organizer_id']);
    expect(await dayRows()).toEqual(before);

    // Up to 0018 and on: the same organizer and day again, its row grows (the upsert finds the key), no second row.
    await migrateToLatest(store.db);
    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 120, start: '2026-11-10T16:30:00Z' })]);
    const days = await store.db.selectFrom('spend_daily_organizer').select(['dialout_seconds', 'dialout_legs']).where('tenant_id', '=', T).where('organizer_id', '=', USERS.sub).where('day', '=', '2026-11-10').execute();
    expect(days.map((d) => [Number(d.dialout_seconds), Number(d.dialout_legs)])).toEqual([[420, 2]]);
    expect(await store.db.selectFrom('spend_daily_organizer').select('day').where('tenant_id', '=', T).where('dialout_legs', '>', 0).execute()).toHaveLength(3);
  }, scaled(60_000));
});
