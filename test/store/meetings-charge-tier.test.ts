import { sql } from 'kysely';
import type { Store } from '../../src/store/database';
import { addToMeetings, type MeetingRow } from '../../src/store/leg-store';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { CHARGE_TIER, CHARGE_TIER_SQL, chargeTier } from '../../src/store/spend-rollup-charge-tier';
import { meetingsByCharge } from '../../src/store/spend-rollup-store';
import { describeEachEngine, freshStore } from '../support/engines';

/**
 * Migration 0013: the top meetings by charge are read through an index on the meeting's charge tier (its charge to
 * its first digit) instead of the exact charge, so that a new meeting goes to the end of its tier rather than to a
 * random place. meetingsByCharge must give the very rows and order it gave through meetings_charge.
 */
describeEachEngine('migration 0013: meetings by charge through the charge tier', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => {
    await cleanup();
  });

  const T = 'tenant-tier';
  const OTHER = 'tenant-other';

  function meeting(tenantId: string, conferenceId: string, chargeMicros: number, firstStartAt = '2026-11-10T09:00:00.000Z'): MeetingRow {
    return {
      tenant_id: tenantId, conference_id: conferenceId, organizer_id: 'org-1', legs: 1, billed_seconds: 60, pool_seconds: 0, charge_micros: chargeMicros,
      subscription_legs: 0, pool_legs: 0, credits_legs: 1, addon_legs: 0, flagged_legs: 0, first_start_at: firstStartAt, last_end_at: null,
      updated_at: '2026-11-10T10:00:00.000Z',
    };
  }

  /** Charges on both sides of tier boundaries, ties, zero; then some meetings' charges grow (the upsert adds). */
  async function storeMeetings(): Promise<void> {
    const charges = [0, 0, 1, 9, 10, 11, 99, 100, 950_000, 999_999, 1_000_000, 1_000_000, 1_000_001, 1_999_999, 2_000_000, 12_345_678, 99_999_999, 100_000_000, 7_500_000, 7_500_000];
    const rows = charges.map((c, i) => meeting(T, `conf-${String(i).padStart(2, '0')}`, c));
    for (let i = 0; i < 200; i++) rows.push(meeting(T, `bulk-${String(i).padStart(3, '0')}`, (i * 7919) % 3_000_000));
    rows.push(meeting(OTHER, 'conf-x', 500_000_000));
    await store.inTransaction((tx) => addToMeetings(store, tx, rows));
    // Grow some across a tier (999,999 → 1,000,049) and some within one (1,000,000 → 1,500,000), as intake's upsert does.
    await store.inTransaction((tx) => addToMeetings(store, tx, [meeting(T, 'conf-09', 50), meeting(T, 'conf-10', 500_000), meeting(T, 'bulk-001', 4_000_000)]));
  }

  /** Every meeting of the tenant by charge, highest first, then by id: what meetings_charge gave. */
  async function expectedOrder(): Promise<{ conferenceId: string; chargeMicros: number }[]> {
    const rows = await store.db.selectFrom('meetings').select(['conference_id', 'charge_micros']).where('tenant_id', '=', T).execute();
    return rows
      .map((r) => ({ conferenceId: r.conference_id, chargeMicros: Number(r.charge_micros) }))
      .sort((a, b) => b.chargeMicros - a.chargeMicros || (a.conferenceId < b.conferenceId ? -1 : a.conferenceId > b.conferenceId ? 1 : 0));
  }

  async function indexes(): Promise<string[]> {
    const rows = engine === 'sqlite'
      ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'meetings' AND name NOT LIKE 'sqlite_autoindex%'`.execute(store.db)).rows
      : (await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'meetings' AND indexname <> 'meetings_pk'`.execute(store.db)).rows;
    return rows.map((r) => r.name).sort();
  }

  it('gives the tier the database computes, growing with the charge', async () => {
    const charges = [-5, 0, 1, 9, 10, 19, 20, 99, 100, 999_999, 1_000_000, 1_999_999, 2_000_000, 12_345_678, 9_007_199_254_740_991];
    const rows = (await sql<{ c: number; tier: number }>`SELECT c, ${sql.raw(CHARGE_TIER_SQL.replace(/charge_micros/g, 'c'))} AS tier FROM (${sql.join(
      charges.map((c) => sql`SELECT CAST(${String(c)} AS BIGINT) AS c`),
      sql` UNION ALL `,
    )}) AS t`.execute(store.db)).rows;
    const byCharge = new Map(rows.map((r) => [Number(r.c), Number(r.tier)]));
    for (const c of charges) expect([c, byCharge.get(c)]).toEqual([c, chargeTier(c)]);
    expect(charges.map(chargeTier)).toEqual([0, 0, 11, 19, 21, 21, 22, 29, 31, 69, 71, 71, 72, 81, 169]);
    // Never smaller for a larger charge.
    for (let c = 0; c < 5_000; c++) expect(chargeTier(c + 1) >= chargeTier(c)).toBe(true);
  });

  it('reads the same meetings in the same order before and after the migration, limit by limit, through its index', async () => {
    await storeMeetings();
    const all = await expectedOrder();
    expect(all.length).toBe(220);
    expect(await indexes()).toEqual(['meetings_charge_tier', 'meetings_latest', 'meetings_organizer_day']);
    for (const limit of [1, 3, 5, 64, 220, 500]) expect(await meetingsByCharge(store.db, T, limit)).toEqual(all.slice(0, limit));
    if (engine === 'sqlite') {
      const plan = (await sql<{ detail: string }>`EXPLAIN QUERY PLAN SELECT conference_id, charge_micros FROM meetings WHERE tenant_id = ${T}
        ORDER BY ${CHARGE_TIER} DESC, charge_micros DESC, conference_id LIMIT 64`.execute(store.db)).rows.map((r) => r.detail);
      expect(plan[0]).toMatch(/USING COVERING INDEX meetings_charge_tier \(tenant_id=\?\)/);
      expect(plan.join('\n')).toMatch(/TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY/);
    }

    // Down: meetings_charge back, the tier index gone; the read still gives the same answer.
    await migrateDownTo(store.db, '0012_no_turn_state');
    expect(await indexes()).toEqual(['meetings_charge', 'meetings_latest', 'meetings_organizer_latest']);
    expect(await meetingsByCharge(store.db, T, 500)).toEqual(all);

    // Up again on the stored meetings, and intake's upsert goes on adding to them.
    await migrateToLatest(store.db);
    expect(await indexes()).toEqual(['meetings_charge_tier', 'meetings_latest', 'meetings_organizer_day']);
    expect(await meetingsByCharge(store.db, T, 500)).toEqual(all);
    await store.inTransaction((tx) => addToMeetings(store, tx, [meeting(T, 'conf-00', 150_000_000), meeting(T, 'new-1', 7_500_000)]));
    const after = await expectedOrder();
    expect(after[0]).toEqual({ conferenceId: 'conf-00', chargeMicros: 150_000_000 });
    expect(after.length).toBe(221);
    for (const limit of [2, 5, 64, 221]) expect(await meetingsByCharge(store.db, T, limit)).toEqual(after.slice(0, limit));
    expect(await meetingsByCharge(store.db, OTHER, 5)).toEqual([{ conferenceId: 'conf-x', chargeMicros: 500_000_000 }]);
  });
});
