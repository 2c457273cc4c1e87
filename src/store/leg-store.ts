import { sql } from 'kysely';
import type { Store, Tx } from './database';
import type { LegsTable, MeetingsTable } from './schema';
import { unnestRows, type PgArrayType } from './pg-arrays';
import { rowValues } from './row-values';
import { RowStream } from './pg-copy';
import { allColumns } from './all-columns';
import { runShaped, runShapedList } from './shaped-query';
import { MEETING_DAY, organizerMeetingDays } from './meetings-organizer-day';
import { addToSpendRollup, spendBreakdown, type GuardDayFigures } from './spend-rollup-store';
import type { StatementPipeline } from './statement-pipeline';

export type LegRow = LegsTable;
export type MeetingRow = MeetingsTable;

/** Ids per lookup on SQLite: one cached statement with this many placeholders, the last slice padded with NULL. */
const SQLITE_IDS_PER_LOOKUP = 500;

/** What intake needs to know about a stored leg: its content hash, and whether it has Microsoft's charge yet. */
export interface StoredLeg {
  hash: string;
  billed: boolean;
}

/** PostgreSQL takes the ids as one array; SQLite in slices through one cached statement. */
export async function findStoredLegs(store: Store, tx: Tx, tenantId: string, ids: string[]): Promise<Map<string, StoredLeg>> {
  const found = new Map<string, StoredLeg>();
  if (store.engine === 'postgres') {
    const rows = await tx
      .selectFrom('legs')
      .select(['id', 'content_hash', sql<boolean>`ms_charge_micros IS NOT NULL`.as('billed')])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', sql<string>`ANY(${ids}::text[])`)
      .execute();
    for (const r of rows) found.set(r.id, { hash: r.content_hash, billed: Boolean(r.billed) });
    return found;
  }
  // `id IN (…, NULL)` never matches the padding: NULL equals nothing.
  const statement = store.sqlite!.statement('findStoredLegs', () =>
    `SELECT "id", "content_hash", "ms_charge_micros" IS NOT NULL AS "billed" FROM "legs" WHERE "tenant_id" = ? AND "id" IN (${new Array(SQLITE_IDS_PER_LOOKUP).fill('?').join(', ')})`,
  );
  const values = new Array<string | null>(SQLITE_IDS_PER_LOOKUP + 1);
  values[0] = tenantId;
  for (let i = 0; i < ids.length; i += SQLITE_IDS_PER_LOOKUP) {
    for (let j = 0; j < SQLITE_IDS_PER_LOOKUP; j++) values[j + 1] = i + j < ids.length ? ids[i + j]! : null;
    for (const r of statement.all(values) as { id: string; content_hash: string; billed: number }[]) {
      found.set(r.id, { hash: r.content_hash, billed: r.billed === 1 });
    }
  }
  return found;
}

/**
 * True for the database's refusal to store a leg whose (tenant, id) is already stored, the legs' primary key
 * (the transaction it happened in is rolled back whole): PostgreSQL's unique_violation on legs_pk, SQLite's primary
 * key constraint on legs.tenant_id, legs.id.
 */
export function isStoredLegKey(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  if (e.code === '23505') return e.constraint === 'legs_pk';
  return e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && e.message === 'UNIQUE constraint failed: legs.tenant_id, legs.id';
}

/** Stores Microsoft's billed figures on a leg that has none yet; true when it did. */
export async function fillInMicrosoftCharge(
  tx: Tx,
  tenantId: string,
  id: string,
  figures: Pick<LegRow, 'ms_charge_micros' | 'ms_connection_charge_micros' | 'ms_currency' | 'ms_license_capability' | 'ms_usage_location' | 'ms_destination_context'>,
): Promise<boolean> {
  const r = await tx
    .updateTable('legs')
    // What the leg already knew of its user's location and Microsoft's label stays when this row has none.
    .set((eb) => ({
      ...figures,
      ms_usage_location: eb.fn.coalesce(eb.val(figures.ms_usage_location), eb.ref('ms_usage_location')),
      ms_destination_context: eb.fn.coalesce(eb.val(figures.ms_destination_context), eb.ref('ms_destination_context')),
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('ms_charge_micros', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Every column of a leg (a list that leaves one out does not compile): intake's COPY and the card's delivery read. */
export const LEG_COLUMNS = allColumns<LegsTable>()([
  'tenant_id', 'id', 'call_id', 'call_type', 'status', 'conference_id', 'organizer_id', 'organizer_upn', 'organizer_name', 'callee_number',
  'caller_number', 'toll_free', 'destination_country', 'start_at', 'end_at', 'duration_seconds', 'paid_by', 'billed_seconds', 'pool_seconds',
  'credit_seconds', 'charge_micros', 'rate_per_minute_micros', 'connection_fee_micros', 'flags', 'ms_charge_micros', 'ms_connection_charge_micros',
  'ms_currency', 'ms_license_capability', 'ms_inventory_type', 'ms_usage_location', 'ms_destination_context', 'content_hash', 'settled_seq', 'created_at',
]);

/**
 * A chunk's legs as intake settles them one by one, stored in the caller's transaction with the spend rollup the
 * cards read (spend-rollup-store.ts), both sent through `writes`. On PostgreSQL the legs' COPY runs while they are
 * rated: each full message of rows goes to the server as soon as it is made (RowStream), so the server stores the
 * first legs while this process rates the rest, instead of waiting for the whole chunk (the COPY is the chunk's
 * largest statement). On SQLite, whose statements run in this process, they are inserted at close().
 *
 * The caller must close() or fail() it: on PostgreSQL the connection stays in COPY mode until then.
 */
export interface LegWriter {
  add(row: LegRow): void;
  /**
   * False while the legs' statement waits behind another on the connection (the fraud guard's read, sent first):
   * rows added meanwhile are kept and go out once it starts. The caller, which adds rows in a synchronous loop,
   * calls letAnswersIn() now and then while it is false, so that the answer the connection waits for is handled
   * and the rows start going out while it rates the rest (rather than all at the end, or rating waiting for it).
   */
  readonly streaming: boolean;
  /** Resolves once the statement started or this process had a turn of its event loop (the answer it waits for may have come). */
  letAnswersIn(): Promise<void>;
  /** The legs added, in order. */
  readonly rows: readonly LegRow[];
  /** Ends the legs' statement (SQLite: runs it). */
  close(): Promise<void>;
  /** Sends the spend rollup's statement for the legs, with the guard's figures of their organizers' days: after close(). */
  addToSpendRollup(guard?: readonly GuardDayFigures[]): Promise<void>;
  /** Abandons the legs' statement (it fails with `err`, and with it the transaction). */
  fail(err: unknown): void;
}

export async function openLegWriter(store: Store, tx: Tx, writes: StatementPipeline): Promise<LegWriter> {
  const rows: LegRow[] = [];
  const spendRollup = (guard?: readonly GuardDayFigures[]) => writes.send(() => addToSpendRollup(store, tx, rows, guard));
  if (store.engine !== 'postgres') {
    return {
      rows,
      streaming: true,
      letAnswersIn: async () => undefined,
      add: (row) => void rows.push(row),
      close: () => writes.send(() => store.insertMany(tx, 'legs', rows)),
      addToSpendRollup: spendRollup,
      fail: () => undefined,
    };
  }
  const copy = new RowStream('legs', LEG_COLUMNS);
  await writes.send(() => copy.execute(tx));
  let streaming = false;
  void copy.submitted.then(() => (streaming = true));
  return {
    rows,
    get streaming() {
      return streaming;
    },
    // Only microtasks away when nothing else is queued on the connection; else at most one turn of the event loop,
    // whose poll phase reads the socket.
    letAnswersIn: () => Promise.race([copy.submitted, new Promise<void>((resolve) => setImmediate(resolve))]),
    add: (row) => {
      copy.add(row);
      rows.push(row);
    },
    close: async () => copy.end(),
    addToSpendRollup: spendRollup,
    fail: (err) => copy.fail(err),
  };
}

export interface LegFilter {
  conferenceId?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export async function listLegs(tx: Tx, tenantId: string, filter: LegFilter = {}): Promise<LegRow[]> {
  let q = tx.selectFrom('legs').selectAll().where('tenant_id', '=', tenantId);
  if (filter.conferenceId) q = q.where('conference_id', '=', filter.conferenceId);
  if (filter.from) q = q.where('start_at', '>=', filter.from);
  if (filter.to) q = q.where('start_at', '<', filter.to);
  q = q.orderBy('start_at').orderBy('id');
  if (filter.limit) q = q.limit(filter.limit);
  return q.execute();
}

export async function poolUsed(tx: Tx, tenantId: string, month: string): Promise<number> {
  const [row] = await runShaped<{ used_seconds: number }>(tx, 'poolUsed', [tenantId, month], () =>
    tx.selectFrom('pool_usage').select('used_seconds').where('tenant_id', '=', tenantId).where('month', '=', month),
  );
  return row ? Number(row.used_seconds) : 0;
}

export async function addPoolUsage(tx: Tx, tenantId: string, month: string, seconds: number): Promise<void> {
  await tx
    .insertInto('pool_usage')
    .values({ tenant_id: tenantId, month, used_seconds: seconds })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'month'])
        .doUpdateSet((eb) => ({ used_seconds: eb('pool_usage.used_seconds', '+', eb.ref('excluded.used_seconds')) })),
    )
    .execute();
}

/**
 * Adds a batch's contribution to each meeting's rollup (counts and sums add; first/last widen): on PostgreSQL one
 * upsert of all of them (the rows as one JSON parameter), on SQLite one cached single-row upsert run per meeting.
 * The deltas must hold each conference once (one statement cannot update a row twice).
 */
export async function addToMeetings(store: Store, tx: Tx, deltas: MeetingRow[]): Promise<void> {
  if (deltas.length === 0) return;
  if (store.sqlite) {
    // The very upsert below, compiled once for one row; its parameters are that row's values, column by column.
    const columns = Object.keys(deltas[0]!) as (keyof MeetingRow)[];
    const statement = store.sqlite.statement(`addToMeetings(${columns.join(',')})`, () => {
      const compiled = meetingsUpsert(tx, [deltas[0]!]).compile();
      if (compiled.parameters.length !== columns.length) throw new Error('addToMeetings: unexpected parameters in the upsert');
      return compiled.sql;
    });
    const valuesOf = rowValues(columns);
    for (const d of deltas) statement.run(valuesOf(d));
    return;
  }
  await meetingsUpsert(tx, deltas, 'arrays').execute();
}

/** The meetings' columns as PostgreSQL types for unnestRows (a column added to the table must be added here). */
export const MEETING_COLUMN_TYPES: Readonly<Record<keyof MeetingRow & string, PgArrayType>> = {
  tenant_id: 'text',
  conference_id: 'text',
  organizer_id: 'text',
  legs: 'bigint',
  billed_seconds: 'bigint',
  pool_seconds: 'bigint',
  charge_micros: 'bigint',
  subscription_legs: 'bigint',
  pool_legs: 'bigint',
  credits_legs: 'bigint',
  addon_legs: 'bigint',
  flagged_legs: 'bigint',
  first_start_at: 'text',
  last_end_at: 'text',
  updated_at: 'text',
};

/** The upsert of `deltas`, as VALUES (bound parameters) or, on PostgreSQL, as one typed array per column. */
function meetingsUpsert(tx: Tx, deltas: MeetingRow[], rows: 'values' | 'arrays' = 'values') {
  const insert = tx.insertInto('meetings');
  const columns = Object.keys(deltas[0]!) as (keyof MeetingRow & string)[];
  return (rows === 'arrays' ? insert.columns(columns).expression(unnestRows(columns, MEETING_COLUMN_TYPES, deltas)) : insert.values(deltas))
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'conference_id']).doUpdateSet((eb) => ({
        organizer_id: eb.fn.coalesce('meetings.organizer_id', eb.ref('excluded.organizer_id')),
        legs: eb('meetings.legs', '+', eb.ref('excluded.legs')),
        billed_seconds: eb('meetings.billed_seconds', '+', eb.ref('excluded.billed_seconds')),
        pool_seconds: eb('meetings.pool_seconds', '+', eb.ref('excluded.pool_seconds')),
        charge_micros: eb('meetings.charge_micros', '+', eb.ref('excluded.charge_micros')),
        subscription_legs: eb('meetings.subscription_legs', '+', eb.ref('excluded.subscription_legs')),
        pool_legs: eb('meetings.pool_legs', '+', eb.ref('excluded.pool_legs')),
        credits_legs: eb('meetings.credits_legs', '+', eb.ref('excluded.credits_legs')),
        addon_legs: eb('meetings.addon_legs', '+', eb.ref('excluded.addon_legs')),
        flagged_legs: eb('meetings.flagged_legs', '+', eb.ref('excluded.flagged_legs')),
        first_start_at: eb
          .case()
          .when('excluded.first_start_at', '<', eb.ref('meetings.first_start_at'))
          .then(eb.ref('excluded.first_start_at'))
          .else(eb.ref('meetings.first_start_at'))
          .end(),
        last_end_at: eb
          .case()
          .when('meetings.last_end_at', 'is', null)
          .then(eb.ref('excluded.last_end_at'))
          .when('excluded.last_end_at', '>', eb.ref('meetings.last_end_at'))
          .then(eb.ref('excluded.last_end_at'))
          .else(eb.ref('meetings.last_end_at'))
          .end(),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    );
}

/**
 * The tenant's latest meetings (by their first leg's start, then id), or one organizer's: those are read whole from
 * the days organizerMeetingDays finds (src/store/meetings-organizer-day.ts says why the index starts with the day),
 * then sorted here. Not by the database: given that ORDER BY and LIMIT, SQLite walks meetings_latest instead, every
 * meeting of the tenant since the organizer's, to spare itself a sort of a few rows.
 */
export async function listMeetings(tx: Tx, tenantId: string, limit = 100, organizerId?: string): Promise<MeetingRow[]> {
  // Compiled once per shape (runShaped): `meeting last` and `meetings` run these on every turn.
  const q = () => tx.selectFrom('meetings').selectAll().where('tenant_id', '=', tenantId);
  if (!organizerId) {
    return runShaped<MeetingRow>(tx, 'listMeetings', [tenantId, limit], () => q().orderBy('first_start_at', 'desc').orderBy('conference_id').limit(limit));
  }
  const days = await organizerMeetingDays(tx, tenantId, organizerId, limit);
  if (days.length === 0) return [];
  const rows = await runShapedList<MeetingRow>(tx, 'listMeetings(organizer)', days.length, [tenantId, ...days, organizerId], () =>
    q().where(MEETING_DAY, 'in', days).where('organizer_id', '=', organizerId),
  );
  return rows.sort(latestFirst).slice(0, limit);
}

/** First start, latest first; then conference id, in code-unit order. */
function latestFirst(a: MeetingRow, b: MeetingRow): number {
  if (a.first_start_at !== b.first_start_at) return a.first_start_at > b.first_start_at ? -1 : 1;
  return a.conference_id < b.conference_id ? -1 : a.conference_id > b.conference_id ? 1 : 0;
}

export async function findMeeting(tx: Tx, tenantId: string, conferenceId: string): Promise<MeetingRow | undefined> {
  return tx.selectFrom('meetings').selectAll().where('tenant_id', '=', tenantId).where('conference_id', '=', conferenceId).executeTakeFirst();
}

/**
 * The balance right after the meeting's last charge, in one statement (one round trip on PostgreSQL): the meeting's
 * legs by conference (legs_conference_start) joined to their charge entries by the legs' settled_seq
 * (ledger_entries_leg_seq); the latest entry is picked here. No ORDER BY seq: given one, SQLite walked the tenant's
 * whole ledger back from its latest entry instead, hundreds of milliseconds per card at a million legs. CROSS JOIN
 * pins SQLite's join order (legs first); PostgreSQL plans it as the inner join it is. An entry counts only when it
 * names the leg by id too: settled_seq is unique by how intake numbers legs, not by a constraint.
 */
export async function balanceAfterMeeting(tx: Tx, tenantId: string, conferenceId: string): Promise<number | null> {
  const rows = await tx
    .selectFrom('legs as l')
    .crossJoin('ledger_entries as e')
    .select(['e.seq', 'e.balance_after_micros'])
    .where('l.tenant_id', '=', tenantId)
    .where('l.conference_id', '=', conferenceId)
    .whereRef('e.tenant_id', '=', 'l.tenant_id')
    .whereRef('e.leg_seq', '=', 'l.settled_seq')
    .whereRef('e.leg_id', '=', 'l.id')
    .where('e.kind', '=', 'charge')
    .execute();
  let latest: { seq: number; balance: number } | undefined;
  for (const row of rows) {
    if (!latest || Number(row.seq) > latest.seq) latest = { seq: Number(row.seq), balance: Number(row.balance_after_micros) };
  }
  return latest ? latest.balance : null;
}

export interface MonthSpend {
  chargeMicros: number;
  legs: number;
}

/** Rated legs that started in [from, to), summed from the spend rollup (a month is a few thousand cells at most). */
export async function spendBetween(tx: Tx, tenantId: string, from: string, to: string): Promise<MonthSpend> {
  const spend: MonthSpend = { chargeMicros: 0, legs: 0 };
  for (const g of (await spendBreakdown(tx, tenantId, from, to, ['meeting'])).meeting!.values()) {
    spend.chargeMicros += g.chargeMicros;
    spend.legs += g.legs;
  }
  return spend;
}
