import fc from 'fast-check';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database';
import { addToMeetings, listMeetings, type MeetingRow } from '../../src/store/leg-store';
import { organizerMeetingDaysQuery } from '../../src/store/meetings-organizer-day';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { describeEachEngine, freshStore } from '../support/engines';
import { sqlitePlansOf } from '../support/query-plans';

/**
 * Migration 0014: an organizer's latest meetings are found through meetings_organizer_day (tenant, day, organizer),
 * by walking the tenant's days back from the latest, instead of through an index that starts with the organizer.
 * listMeetings must give exactly what a plain "that organizer's meetings, latest first" gives.
 */
const T = 'tenant-days';
const OTHER = 'tenant-other';
const ORGANIZERS = ['org-a', 'org-b', 'org-c'];

function meeting(tenantId: string, conferenceId: string, organizerId: string | null, firstStartAt: string): MeetingRow {
  return {
    tenant_id: tenantId, conference_id: conferenceId, organizer_id: organizerId, legs: 1, billed_seconds: 60, pool_seconds: 0, charge_micros: 1000,
    subscription_legs: 0, pool_legs: 0, credits_legs: 1, addon_legs: 0, flagged_legs: 0, first_start_at: firstStartAt, last_end_at: null,
    updated_at: '2026-11-10T10:00:00.000Z',
  };
}

/** What listMeetings must give: the organizer's meetings of the tenant, latest first start first, then by id. */
function expected(rows: MeetingRow[], organizerId: string, limit: number): string[] {
  return rows
    .filter((m) => m.tenant_id === T && m.organizer_id === organizerId)
    .sort((a, b) => (a.first_start_at > b.first_start_at ? -1 : a.first_start_at < b.first_start_at ? 1 : a.conference_id < b.conference_id ? -1 : 1))
    .slice(0, limit)
    .map((m) => m.conference_id);
}

/** A start time on one of `days` days of November 2026, at a minute of the day (several meetings may share one). */
const startAt = (day: number, minute: number) => new Date(Date.UTC(2026, 10, 1 + day, 0, minute)).toISOString();

describeEachEngine("migration 0014: an organizer's latest meetings through the day-first index", (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => {
    await cleanup();
  });

  const read = async (organizerId: string, limit: number) => (await listMeetings(store.db, T, limit, organizerId)).map((m) => m.conference_id);

  it("gives each organizer's latest meetings, limit by limit, as a plain sort of them would", async () => {
    const meetingArb = fc.record({
      organizer: fc.constantFrom<string | null>(...ORGANIZERS, null),
      day: fc.integer({ min: 0, max: 29 }),
      minute: fc.integer({ min: 0, max: 1439 }),
      otherTenant: fc.boolean(),
    });
    // Each case adds to what the earlier ones stored: meetings pile up, as a tenant's do. org-a starts with more
    // meetings than the largest limit, so the walk must stop before the tenant's first day.
    const stored: MeetingRow[] = [];
    for (let i = 0; i < 30; i++) stored.push(meeting(T, `base-${String(i).padStart(2, '0')}`, 'org-a', startAt(i % 29, i * 47)));
    await store.inTransaction((tx) => addToMeetings(store, tx, stored));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(meetingArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 25 }), async (batch, limit) => {
        const rows = batch.map((b) => meeting(b.otherTenant ? OTHER : T, `conf-${String(n++).padStart(4, '0')}`, b.organizer, startAt(b.day, b.minute)));
        await store.inTransaction((tx) => addToMeetings(store, tx, rows));
        stored.push(...rows);
        for (const organizerId of [...ORGANIZERS, 'org-never']) expect([organizerId, limit, await read(organizerId, limit)]).toEqual([organizerId, limit, expected(stored, organizerId, limit)]);
      }),
      { numRuns: engine === 'sqlite' ? 60 : 30 },
    );
  });

  it("follows a meeting whose first leg turns out earlier, into the earlier day", async () => {
    await store.inTransaction((tx) =>
      addToMeetings(store, tx, [meeting(T, 'late', 'org-a', startAt(20, 600)), meeting(T, 'mid', 'org-a', startAt(10, 600)), meeting(T, 'other', 'org-b', startAt(25, 0))]),
    );
    expect(await read('org-a', 1)).toEqual(['late']);
    // A leg of 'late' that started on day 5 arrives: the upsert moves its first start, and with it its day.
    await store.inTransaction((tx) => addToMeetings(store, tx, [{ ...meeting(T, 'late', 'org-a', startAt(5, 0)), legs: 1 }]));
    expect(await read('org-a', 1)).toEqual(['mid']);
    expect(await read('org-a', 5)).toEqual(['mid', 'late']);
  });

  it('gives the same answers under the old index (down) and the new one (up again)', async () => {
    const rows: MeetingRow[] = [];
    for (let i = 0; i < 40; i++) rows.push(meeting(T, `m-${String(i).padStart(2, '0')}`, ORGANIZERS[i % 3]!, startAt(i % 9, (i * 37) % 1440)));
    await store.inTransaction((tx) => addToMeetings(store, tx, rows));
    const answers = async () => Promise.all(ORGANIZERS.flatMap((o) => [1, 4, 50].map((limit) => read(o, limit))));
    const before = await answers();
    expect(before[0]).toEqual(expected(rows, 'org-a', 1));
    await migrateDownTo(store.db, '0013_meetings_charge_tier');
    expect(await answers()).toEqual(before);
    await migrateToLatest(store.db);
    expect(await answers()).toEqual(before);
  });

  if (engine === 'postgres') {
    it('walks the days through meetings_organizer_day on PostgreSQL, never a scan of the meetings', async () => {
      const compiled = organizerMeetingDaysQuery(T, 'org-a', 20).compile(store.db);
      const plan = await store.inTransaction(async (tx) => {
        // An empty table: without this the planner rightly prefers a scan; the point is that the index can serve.
        await sql`SET LOCAL enable_seqscan = off`.execute(tx);
        // A statement with parameters: prepared, then its execution with these values explained.
        await sql.raw(`PREPARE walk AS ${compiled.sql}`).execute(tx);
        const values = compiled.parameters.map((p) => (typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`));
        const explained = await sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE walk (${values.join(', ')})`).execute(tx);
        await sql.raw('DEALLOCATE walk').execute(tx);
        return explained.rows.map((r) => r['QUERY PLAN']);
      });
      const text = plan.join('\n');
      expect(text).toMatch(/meetings_organizer_day/);
      expect(text).not.toMatch(/Seq Scan on meetings/);
    });
  }
});

describe('meetings_organizer_day on SQLite: the plans', () => {
  it('walks the days and reads the meetings through the index, never a scan of the meetings', async () => {
    const { result, plans } = await sqlitePlansOf(async (tx) => {
      await tx.insertInto('meetings').values(meeting(T, 'conf-1', 'org-a', startAt(3, 60))).execute();
      return listMeetings(tx, T, 20, 'org-a');
    });
    expect(result.map((m) => m.conference_id)).toEqual(['conf-1']);
    // The insert, the walk, the read of the days found.
    expect(plans.length).toBe(3);
    const walk = plans[1]!.join('\n');
    expect(walk).toMatch(/meetings USING COVERING INDEX meetings_organizer_day \(tenant_id=\? AND <expr><\?\)/);
    expect(walk).toMatch(/meetings USING COVERING INDEX meetings_organizer_day \(tenant_id=\? AND <expr>=\? AND organizer_id=\?\)/);
    expect(walk).not.toMatch(/SCAN meetings\b/);
    expect(plans[2]!.join('\n')).toMatch(/SEARCH meetings USING INDEX meetings_organizer_day \(tenant_id=\? AND <expr>=\? AND organizer_id=\?\)/);
  });
});
