import { sql } from 'kysely';
import type { Tx } from './database';
import { allColumns } from './all-columns';
import type { MeetingStartsTable } from './schema';
import { columnList, runPrepared } from './shaped-query';

export type MeetingStartRow = MeetingStartsTable;

const MEETING_START_COLUMNS = allColumns<MeetingStartRow>()(['tenant_id', 'meeting_id', 'organizer_id', 'conference_id', 'title', 'join_url', 'started_at']);

/**
 * A meeting's start, as Teams and Graph described it: written again when the event comes again (a retry, another
 * replica, the next occurrence of a recurring meeting). The tenant's rows that started before `pruneBefore` go in
 * the same transaction: a meeting whose end never reached Tollgate leaves nothing behind for long.
 */
export async function rememberMeetingStart(tx: Tx, row: MeetingStartRow, pruneBefore: string): Promise<void> {
  await tx.deleteFrom('meeting_starts').where('tenant_id', '=', row.tenant_id).where('started_at', '<', pruneBefore).execute();
  const values = MEETING_START_COLUMNS.map((c) => row[c]);
  await sql`insert into meeting_starts (${columnList(MEETING_START_COLUMNS)}) values (${sql.join(values)})
    on conflict (tenant_id, meeting_id) do update set organizer_id = excluded.organizer_id, conference_id = excluded.conference_id,
      title = excluded.title, join_url = excluded.join_url, started_at = excluded.started_at`.execute(tx);
}

/**
 * The start of the meeting, if Tollgate saw it. Read by every meeting's end, when 200 meetings may end at once: a
 * prepared statement on PostgreSQL, its text compiled once on SQLite.
 */
export async function findMeetingStart(tx: Tx, tenantId: string, meetingId: string): Promise<MeetingStartRow | undefined> {
  const rows = await runPrepared<MeetingStartRow>(
    tx,
    'findMeetingStart',
    [tenantId, meetingId],
    () => sql`select ${columnList(MEETING_START_COLUMNS)} from meeting_starts where tenant_id = ${tenantId} and meeting_id = ${meetingId}`,
  );
  return rows[0];
}
