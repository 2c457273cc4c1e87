import { sql, type Kysely, type Migration } from 'kysely';
import type { Tx } from './database';
import { runShaped } from './shaped-query';

/**
 * A meeting's day: the UTC date of its first leg (the first ten characters of first_start_at, an ISO timestamp).
 * The same text in the index below and in every query that should use it: both engines match an index expression
 * only as written.
 */
export const MEETING_DAY = sql`substr(first_start_at, 1, 10)`;

/**
 * 0014_meetings_organizer_day: an organizer's latest meetings (`meeting last`, `meetings` for an organizer) are found
 * through an index that starts with the meeting's day instead of the organizer.
 *
 * meetings_organizer_latest (tenant, organizer, first start desc, conference) put each organizer's new meeting at the
 * head of that organizer's part of the index: a 2,000-leg chunk of intake, whose meetings belong to a few hundred
 * organizers, wrote a page of it per organizer. On SQLite that was 355 of the ~2,700 pages each chunk wrote (100,000
 * legs, bench/profile-intake.ts with PROFILE_WAL_FRAMES=1); dropping it made SQLite's intake ~6 % cheaper in CPU.
 * Here a chunk's new meetings go to the part of the index of the day or two the chunk covers, a few dozen pages.
 *
 * The price is on the read side, and small: listOrganizerMeetings walks the tenant's days back from the latest, one
 * index seek per day for the next day and one for the organizer's count that day, until it has enough meetings,
 * then reads the organizer's meetings of the days found. An organizer who last met a year ago costs a year of days
 * (a few hundred seeks, milliseconds), not a scan of the tenant's meetings.
 */
export const meetingsOrganizerDayMigration: Migration = {
  async up(db: Kysely<any>) {
    await sql`CREATE INDEX meetings_organizer_day ON meetings (tenant_id, (${MEETING_DAY}), organizer_id)`.execute(db);
    await db.schema.dropIndex('meetings_organizer_latest').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.createIndex('meetings_organizer_latest').on('meetings').columns(['tenant_id', 'organizer_id', 'first_start_at desc', 'conference_id']).execute();
    await db.schema.dropIndex('meetings_organizer_day').execute();
  },
};

/**
 * The days (in no particular order) on which `organizerId` organized meetings, from the tenant's latest day back
 * until they hold at least `limit` of them, or to the tenant's first day. One statement: a recursive walk over the tenant's days (each step the latest
 * day before the last one, an index seek on meetings_organizer_day), carrying the organizer's meetings counted so far,
 * stopping once they reach `limit`.
 */
export async function organizerMeetingDays(tx: Tx, tenantId: string, organizerId: string, limit: number): Promise<string[]> {
  // Compiled once (runShaped): `meeting last` runs it on every turn. The parameters in the order the text binds them.
  const params = [tenantId, tenantId, tenantId, organizerId, limit, tenantId, organizerId];
  const rows = await runShaped<{ day: string }>(tx, 'organizerMeetingDays', params, () => organizerMeetingDaysQuery(tenantId, organizerId, limit));
  return rows.map((r) => r.day);
}

/** organizerMeetingDays' statement (the tests read its plan). */
export function organizerMeetingDaysQuery(tenantId: string, organizerId: string, limit: number) {
  return sql<{ day: string }>`
    WITH RECURSIVE days (day, earlier) AS (
      SELECT (SELECT max(${MEETING_DAY}) FROM meetings WHERE tenant_id = ${tenantId}), CAST(0 AS BIGINT)
      UNION ALL
      SELECT
        (SELECT max(${MEETING_DAY}) FROM meetings WHERE tenant_id = ${tenantId} AND ${MEETING_DAY} < days.day),
        days.earlier + (SELECT count(*) FROM meetings WHERE tenant_id = ${tenantId} AND ${MEETING_DAY} = days.day AND organizer_id = ${organizerId})
      FROM days
      WHERE days.day IS NOT NULL AND days.earlier < ${limit}
    )
    SELECT day FROM days
    WHERE day IS NOT NULL
      AND EXISTS (SELECT 1 FROM meetings WHERE tenant_id = ${tenantId} AND ${MEETING_DAY} = days.day AND organizer_id = ${organizerId})`;
}
