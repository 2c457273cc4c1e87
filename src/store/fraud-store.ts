import { sql } from 'kysely';
import type { SqliteStatements, Store, Tx } from './database';
import type { FraudBlockListTable, FraudIncidentLegsTable, FraudIncidentsTable, FraudRangeDaysTable } from './fraud-schema';
import type { SpendDailyOrganizerTable } from './spend-rollup-schema';
import { HAS_GUARD_FIGURES } from './spend-rollup-store';
import type { Database } from './schema';
import { pgTextArray } from './pg-arrays';
import { runPrepared } from './shaped-query';

export type FraudIncidentRow = FraudIncidentsTable;
export type FraudBlockRow = FraudBlockListTable;
/** An organizer's day as the guard reads it: its figures in the organizer's spend row (0018_fraud_days_in_spend). */
export type OrganizerDayRow = Pick<SpendDailyOrganizerTable, 'organizer_id' | 'day' | 'dialout_seconds' | 'dialout_legs' | 'hour_seconds' | 'night_seconds'>;
export type RangeDayRow = Pick<FraudRangeDaysTable, 'number_range' | 'day' | 'short_calls'>;

// ---------------------------------------------------------------------------------------------------------------
// Settings

export async function loadFraudSettingsText(tx: Tx, tenantId: string): Promise<string | null> {
  const row = await tx.selectFrom('fraud_settings').select('settings').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.settings ?? null;
}

export async function saveFraudSettingsText(tx: Tx, tenantId: string, settings: string, at: string, by: string): Promise<void> {
  await tx
    .insertInto('fraud_settings')
    .values({ tenant_id: tenantId, settings, updated_at: at, updated_by: by })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet((eb) => ({ settings: eb.ref('excluded.settings'), updated_at: eb.ref('excluded.updated_at'), updated_by: eb.ref('excluded.updated_by') })))
    .execute();
}

// ---------------------------------------------------------------------------------------------------------------
// What intake's guard reads and writes for every chunk, in as few round trips as each engine wants: on SQLite cached
// statements one after the other (in process: microseconds each), on PostgreSQL one statement per step (the first two
// together: loadGuardState), each a prepared statement of its connection (runPrepared).

type GuardBasics = { settings: string | null; countries: { country: string; first_call_at: string }[] };
type DaysWanted = { fromDay: string; toDay: string; organizerIds: readonly string[] } | undefined;
type DaysAndRanges = { days: OrganizerDayRow[]; ranges: RangeDayRow[] };

/** Step 1: the tenant's settings (JSON text; null = the defaults) and the countries it has called. */
export async function loadGuardBasics(store: Store, tx: Tx, tenantId: string): Promise<GuardBasics> {
  const sqlite = store.sqlite;
  if (sqlite) {
    const settings = sqlite.statement('fraud.loadSettings', () => 'SELECT "settings" FROM "fraud_settings" WHERE "tenant_id" = ?').get([tenantId]) as { settings: string } | undefined;
    const countries = sqlite.statement('fraud.loadCountries', () => 'SELECT "country", "first_call_at" FROM "fraud_countries" WHERE "tenant_id" = ?').all([tenantId]);
    return { settings: settings?.settings ?? null, countries: countries as { country: string; first_call_at: string }[] };
  }
  const params = [tenantId, tenantId];
  const rows = await runPrepared(tx, 'fraud.loadGuardBasics', params, () => sql<PgBasicsRow>`SELECT ${pgBasicsColumns(params)}`);
  return basicsOf(rows[0]!);
}

/**
 * Steps 1 and 2 at once, for the day rows and ranges the guard expects to need (its legs' facts under the settings it
 * saw last): on PostgreSQL one statement instead of two per chunk. The caller checks the settings that come back and,
 * when they changed, reads step 2 again for the legs' facts under them (loadDaysAndRanges).
 *
 * On PostgreSQL the same statement also reads the open and dismissed incidents of the organizers whose day rows it
 * reads (`incidents`; see openAndDismissedIncidents) and the tenant's admins as the directory has them (`admins`:
 * users marked admin, and the users of `adminUpns`, lower case: notify/admin-notices.ts listAdminIds): a chunk with
 * matching legs, or one that opens an incident, then needs no read of its own for them, a round trip that made the
 * chunk wait for all its statements before it. SQLite reads them when they are wanted.
 */
export async function loadGuardState(
  store: Store,
  tx: Tx,
  tenantId: string,
  days: DaysWanted,
  wanted: readonly [range: string, day: string][],
  adminUpns: readonly string[] = [],
): Promise<GuardBasics & DaysAndRanges & { incidents?: PrefetchedIncidents; admins?: string[] }> {
  if (store.sqlite) return { ...(await loadGuardBasics(store, tx, tenantId)), ...(await loadDaysAndRanges(store, tx, tenantId, days, wanted)) };
  const basics = [tenantId, tenantId];
  const daysAndRanges = pgDaysAndRangesParams(tenantId, days, wanted);
  // The organizers' array goes once (the FROM's `w`): the day rows' and the incidents' subqueries both read it.
  // In the order the statement's text takes them (runPrepared checks): the FROM's organizers last.
  const params = [...basics, ...daysAndRanges.columns, tenantId, tenantId, tenantId, pgTextArray(adminUpns), daysAndRanges.organizers];
  const rows = await runPrepared(tx, 'fraud.loadGuardState', params, () => {
    const p = params;
    return sql<PgBasicsRow & PgDaysAndRangesRow & { incidents: [string, string, string, IncidentKeys['status'], string][]; admins: string[] }>`SELECT ${pgBasicsColumns(p)},
      ${pgDaysAndRangesColumns(p.slice(2, 9))},
      (SELECT COALESCE(json_agg(json_build_array(id, organizer_id, pattern, status, episodes)), '[]'::json) FROM fraud_incidents
         WHERE tenant_id = ${p[9]} AND status IN ('open', 'dismissed') AND organizer_id = ANY(w.ids)) AS incidents,
      (SELECT COALESCE(json_agg(a.id), '[]'::json) FROM (
         SELECT aad_object_id AS id FROM users WHERE tenant_id = ${p[10]} AND is_admin = 1
         UNION SELECT aad_object_id FROM users WHERE tenant_id = ${p[11]} AND upn_lower = ANY(${p[12]}::text[])) AS a) AS admins
      FROM ${pgOrganizers(p[13])}`;
  });
  const row = rows[0]!;
  return {
    ...basicsOf(row),
    ...daysAndRangesOf(row),
    incidents: {
      organizerIds: days?.organizerIds ?? [],
      rows: row.incidents.map(([id, organizer_id, pattern, status, episodes]) => ({ id, organizer_id, pattern, status, episodes })),
    },
    admins: row.admins,
  };
}

/** The open and dismissed incidents of these organizers, read with the chunk's other rows (loadGuardState). */
export interface PrefetchedIncidents {
  organizerIds: readonly string[];
  rows: IncidentKeys[];
}

/**
 * Step 2: the organizers' day rows in [fromDay, toDay] (their spend rows with the guard's figures: a day of only
 * dial-ins is all zeros to the rules, not worth sending), and the short-call counts of these ranges on these days.
 */
export async function loadDaysAndRanges(store: Store, tx: Tx, tenantId: string, days: DaysWanted, wanted: readonly [range: string, day: string][]): Promise<DaysAndRanges> {
  const sqlite = store.sqlite;
  if (sqlite) {
    const { ranges, rangeFrom, rangeTo } = rangesWanted(wanted);
    const dayColumns = '"organizer_id", "day", "dialout_seconds", "dialout_legs", "hour_seconds", "night_seconds"';
    return {
      days: days
        ? sqliteAllByKeys<OrganizerDayRow>(
            sqlite,
            'fraud.loadOrganizerDays',
            (organizerIn) => `SELECT ${dayColumns} FROM "spend_daily_organizer" WHERE "tenant_id" = ? AND "day" >= ? AND "day" <= ? AND "organizer_id" ${organizerIn} AND ${HAS_GUARD_FIGURES}`,
            [tenantId, days.fromDay, days.toDay],
            days.organizerIds,
          )
        : [],
      ranges: sqliteAllByKeys<RangeDayRow>(
        sqlite,
        'fraud.loadRangeDays',
        (rangeIn) => `SELECT "number_range", "day", "short_calls" FROM "fraud_range_days" WHERE "tenant_id" = ? AND "day" >= ? AND "day" <= ? AND "number_range" ${rangeIn}`,
        [tenantId, rangeFrom, rangeTo],
        ranges,
      ),
    };
  }
  const { columns, organizers } = pgDaysAndRangesParams(tenantId, days, wanted);
  const params = [...columns, organizers];
  const rows = await runPrepared(tx, 'fraud.loadDaysAndRanges', params, () => sql<PgDaysAndRangesRow>`SELECT ${pgDaysAndRangesColumns(params)} FROM ${pgOrganizers(params[7])}`);
  return daysAndRangesOf(rows[0]!);
}

function rangesWanted(wanted: readonly [range: string, day: string][]): { ranges: string[]; rangeFrom: string; rangeTo: string } {
  const ranges = new Set<string>();
  let rangeFrom = '';
  let rangeTo = '';
  for (const [range, day] of wanted) {
    ranges.add(range);
    if (rangeFrom === '' || day < rangeFrom) rangeFrom = day;
    if (day > rangeTo) rangeTo = day;
  }
  return { ranges: [...ranges], rangeFrom, rangeTo };
}

type PgBasicsRow = { settings: string | null; countries: [string, string][] };
type PgDaysAndRangesRow = { days: [string, string, number, number, string, number][]; ranges: [string, string, number][] };

/** The settings and countries, from [tenant, tenant]. */
function pgBasicsColumns(p: readonly unknown[]) {
  return sql`(SELECT settings FROM fraud_settings WHERE tenant_id = ${p[0]}) AS settings,
      (SELECT COALESCE(json_agg(json_build_array(country, first_call_at)), '[]'::json) FROM fraud_countries WHERE tenant_id = ${p[1]}) AS countries`;
}

/**
 * The parameters of pgDaysAndRangesColumns (`columns`, in the order its text takes them), and the organizers' array
 * for the statement's FROM (pgOrganizers), which the day rows' subquery reads as `w.ids`.
 */
function pgDaysAndRangesParams(tenantId: string, days: DaysWanted, wanted: readonly [range: string, day: string][]): { columns: unknown[]; organizers: string } {
  const { ranges, rangeFrom, rangeTo } = rangesWanted(wanted);
  return { columns: [tenantId, days?.fromDay ?? '', days?.toDay ?? '', tenantId, rangeFrom, rangeTo, pgTextArray(ranges)], organizers: pgTextArray(days?.organizerIds ?? []) };
}

/** The day rows' and the ranges' subqueries, of a statement FROM pgOrganizers (`w`). */
function pgDaysAndRangesColumns(p: readonly unknown[]) {
  return sql`(SELECT COALESCE(json_agg(json_build_array(organizer_id, day, dialout_seconds, dialout_legs, hour_seconds, night_seconds)), '[]'::json)
         FROM spend_daily_organizer WHERE tenant_id = ${p[0]} AND day >= ${p[1]} AND day <= ${p[2]}
         AND organizer_id = ANY(w.ids) AND ${sql.raw(HAS_GUARD_FIGURES)}) AS days,
      (SELECT COALESCE(json_agg(json_build_array(number_range, day, short_calls)), '[]'::json)
         FROM fraud_range_days WHERE tenant_id = ${p[3]} AND day >= ${p[4]} AND day <= ${p[5]}
         AND number_range = ANY(${p[6]}::text[])) AS ranges`;
}

/** The one-row FROM of the guard's reads: the organizers' array, sent once, as `w.ids`. */
function pgOrganizers(organizers: unknown) {
  return sql`(SELECT ${organizers}::text[] AS ids) AS w`;
}

function basicsOf(row: PgBasicsRow): GuardBasics {
  return { settings: row.settings, countries: row.countries.map(([country, first_call_at]) => ({ country, first_call_at })) };
}

function daysAndRangesOf(row: PgDaysAndRangesRow): DaysAndRanges {
  return {
    days: row.days.map(([organizer_id, day, dialout_seconds, dialout_legs, hour_seconds, night_seconds]) => ({ organizer_id, day, dialout_seconds, dialout_legs, hour_seconds, night_seconds })),
    ranges: row.ranges.map(([number_range, day, short_calls]) => ({ number_range, day, short_calls })),
  };
}

/** The organizer's dial-out seconds in the days [fromDay, day): their 28-day baseline (28 rows at most). */
export async function loadBaseline(store: Store, tx: Tx, tenantId: string, organizerId: string, day: string, fromDay: string): Promise<number> {
  // The organizers' spend rows are keyed by (tenant, day, organizer): one seek per day, not a scan of every
  // organizer's rows in the range.
  const days = daysBetween(fromDay, day);
  if (days.length === 0) return 0;
  if (store.sqlite) {
    const n = SQLITE_BASELINE_DAYS;
    const statement = store.sqlite.statement(
      'fraud.loadBaseline',
      () => `SELECT COALESCE(SUM("dialout_seconds"), 0) AS "seconds" FROM "spend_daily_organizer" WHERE "tenant_id" = ? AND "organizer_id" = ? AND "day" IN (${new Array(n).fill('?').join(', ')})`,
    );
    let seconds = 0;
    for (let i = 0; i < days.length; i += n) {
      const values: unknown[] = [tenantId, organizerId];
      for (let j = 0; j < n; j++) values.push(i + j < days.length ? days[i + j]! : null);
      seconds += Number((statement.get(values) as { seconds: number }).seconds);
    }
    return seconds;
  }
  // A prepared statement (runPrepared): the same text every chunk, and compiled here once, not per organizer-day.
  const p = [tenantId, organizerId, pgTextArray(days)];
  const rows = await runPrepared(
    tx,
    'fraud.loadBaseline',
    p,
    () => sql<{ seconds: string | number }>`SELECT COALESCE(SUM(dialout_seconds), 0) AS seconds FROM spend_daily_organizer
      WHERE tenant_id = ${p[0]} AND organizer_id = ${p[1]} AND day = ANY(${p[2]}::text[])`,
  );
  return Number(rows[0]!.seconds);
}

const SQLITE_BASELINE_DAYS = 28;

/** The days [fromDay, toDay) as YYYY-MM-DD. */
function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${toDay}T00:00:00.000Z`);
  for (let t = Date.parse(`${fromDay}T00:00:00.000Z`); t < end; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** What the guard needs of an incident to extend it or to keep its episodes quiet. */
export type IncidentKeys = Pick<FraudIncidentRow, 'id' | 'organizer_id' | 'pattern' | 'status' | 'episodes'>;

/** The organizers' open incidents (a chunk's matches extend them) and dismissed ones (their episodes stay quiet). */
export async function openAndDismissedIncidents(store: Store, tx: Tx, tenantId: string, organizerIds: readonly string[]): Promise<IncidentKeys[]> {
  if (store.sqlite) {
    return sqliteAllByKeys<IncidentKeys>(
      store.sqlite,
      'fraud.openAndDismissedIncidents',
      (organizerIn) =>
        `SELECT "id", "organizer_id", "pattern", "status", "episodes" FROM "fraud_incidents" WHERE "tenant_id" = ? AND "status" IN ('open', 'dismissed') AND "organizer_id" ${organizerIn}`,
      [tenantId],
      organizerIds,
    );
  }
  const p = [tenantId, pgTextArray(organizerIds)];
  return runPrepared(
    tx,
    'fraud.openAndDismissedIncidents',
    p,
    () => sql<IncidentKeys>`SELECT id, organizer_id, pattern, status, episodes FROM fraud_incidents
      WHERE tenant_id = ${p[0]} AND status IN ('open', 'dismissed') AND organizer_id = ANY(${p[1]}::text[])`,
  );
}

export interface RollupRows {
  /** Short calls to add. */
  ranges: FraudRangeDaysTable[];
  /** First calls; a leg that arrives late and started earlier moves a first call back. */
  countries: { tenant_id: string; country: string; first_call_at: string }[];
}

export type IncidentDelta = Pick<
  FraudIncidentRow,
  'id' | 'legs' | 'dialout_seconds' | 'cost_micros' | 'first_leg_at' | 'last_leg_at' | 'detail' | 'block_target' | 'episodes' | 'updated_at'
>;

export interface IncidentRows {
  opened: FraudIncidentRow[];
  /** Open incidents the chunk's matches extend: counts and sums add, first and last widen, the rest is replaced. */
  extended: IncidentDelta[];
  legs: FraudIncidentLegsTable[];
}

const RANGES_CONFLICT = 'ON CONFLICT (tenant_id, number_range, day) DO UPDATE SET short_calls = fraud_range_days.short_calls + excluded.short_calls';
const COUNTRIES_CONFLICT = 'ON CONFLICT (tenant_id, country) DO UPDATE SET first_call_at = MIN_TEXT(fraud_countries.first_call_at, excluded.first_call_at)';
const LEGS_CONFLICT = 'ON CONFLICT (tenant_id, incident_id, leg_id) DO NOTHING';
const INCIDENT_COLUMNS = [
  'tenant_id', 'id', 'organizer_id', 'organizer_upn', 'organizer_name', 'pattern', 'status', 'legs', 'dialout_seconds', 'cost_micros',
  'first_leg_at', 'last_leg_at', 'detail', 'block_target', 'episodes', 'actions', 'opened_at', 'updated_at', 'resolved_at', 'resolved_by',
] as const satisfies readonly (keyof FraudIncidentRow)[];
const EXTEND_SET =
  'legs = i.legs + d.legs, dialout_seconds = i.dialout_seconds + d.dialout_seconds, cost_micros = i.cost_micros + d.cost_micros, ' +
  'first_leg_at = MIN_TEXT(i.first_leg_at, d.first_leg_at), last_leg_at = MAX_TEXT(i.last_leg_at, d.last_leg_at), ' +
  'detail = d.detail, block_target = d.block_target, episodes = d.episodes, updated_at = d.updated_at';

/** SQLite's two-argument MIN/MAX are PostgreSQL's LEAST/GREATEST. */
function dialect(text: string, engine: Store['engine']): string {
  return engine === 'postgres' ? text.replace(/MIN_TEXT/g, 'LEAST').replace(/MAX_TEXT/g, 'GREATEST') : text.replace(/MIN_TEXT/g, 'MIN').replace(/MAX_TEXT/g, 'MAX');
}
/** Built once, not per chunk. */
const SQLITE_COUNTRIES_CONFLICT = dialect(COUNTRIES_CONFLICT, 'sqlite');

/**
 * Step 3: everything else a chunk changed (its organizers' day figures go with intake's spend rollup:
 * spend-rollup-store.ts): short calls, first calls and, when legs matched, new incidents, open ones extended and the
 * legs of each. PostgreSQL: one prepared statement (data-modifying WITH clauses run once each, referenced or not), the
 * rows as JSON, every column typed by its table (json_populate_recordset) or by the column list of the incident legs'
 * compact JSON (json_to_recordset).
 */
export async function saveChunk(store: Store, tx: Tx, tenantId: string, rollups: RollupRows, incidents: IncidentRows): Promise<void> {
  // On PostgreSQL the incident legs go without their tenant (the tenant is one parameter): a row of another tenant
  // must not end up as this one's, on either engine.
  for (const rows of [rollups.ranges, rollups.countries, incidents.opened, incidents.legs]) {
    for (const r of rows) if (r.tenant_id !== tenantId) throw new Error(`saveChunk: a row of tenant ${r.tenant_id} in a chunk of tenant ${tenantId}`);
  }
  const sqlite = store.sqlite;
  if (sqlite) {
    sqliteRunEach(sqlite, 'fraud.addRanges', 'fraud_range_days', ['tenant_id', 'number_range', 'day', 'short_calls'], rollups.ranges, RANGES_CONFLICT);
    sqliteRunEach(sqlite, 'fraud.addCountries', 'fraud_countries', ['tenant_id', 'country', 'first_call_at'], rollups.countries, SQLITE_COUNTRIES_CONFLICT);
    sqliteRunEach(sqlite, 'fraud.insertIncidents', 'fraud_incidents', INCIDENT_COLUMNS, incidents.opened, '');
    const extend = sqlite.statement('fraud.extendIncidents', () =>
      dialect(
        `UPDATE "fraud_incidents" AS i SET ${EXTEND_SET} FROM (SELECT ? AS id, ? AS legs, ? AS dialout_seconds, ? AS cost_micros, ? AS first_leg_at, ` +
          '? AS last_leg_at, ? AS detail, ? AS block_target, ? AS episodes, ? AS updated_at) AS d WHERE i.tenant_id = ? AND i.id = d.id',
        'sqlite',
      ),
    );
    for (const d of incidents.extended) {
      extend.run([d.id, d.legs, d.dialout_seconds, d.cost_micros, d.first_leg_at, d.last_leg_at, d.detail, d.block_target, d.episodes, d.updated_at, tenantId]);
    }
    sqliteRunEach(sqlite, 'fraud.insertIncidentLegs', 'fraud_incident_legs', ['tenant_id', 'incident_id', 'leg_id', 'conference_id', 'start_at'], incidents.legs, LEGS_CONFLICT);
    return;
  }
  // Most chunks of normal traffic have nothing to write here at all (no short call, no new country, no match).
  if (rollups.ranges.length + rollups.countries.length + incidents.opened.length + incidents.extended.length + incidents.legs.length === 0) return;
  const p = [
    JSON.stringify(rollups.ranges),
    JSON.stringify(rollups.countries),
    JSON.stringify(incidents.opened),
    JSON.stringify(incidents.extended.map((d) => ({ ...d, tenant_id: tenantId }))),
    tenantId,
    pgIncidentLegsJson(incidents.legs),
  ];
  await runPrepared(tx, 'fraud.saveChunk', p, () => {
    return sql`WITH
      r AS (${jsonInsert('fraud_range_days', p[0], ['tenant_id', 'number_range', 'day', 'short_calls'], RANGES_CONFLICT)}),
      c AS (${jsonInsert('fraud_countries', p[1], ['tenant_id', 'country', 'first_call_at'], dialect(COUNTRIES_CONFLICT, 'postgres'))}),
      o AS (${jsonInsert('fraud_incidents', p[2], INCIDENT_COLUMNS, '')}),
      x AS (UPDATE fraud_incidents AS i SET ${sql.raw(dialect(EXTEND_SET, 'postgres'))}
        FROM json_populate_recordset(NULL::fraud_incidents, ${p[3]}::json) AS d WHERE i.tenant_id = d.tenant_id AND i.id = d.id)
    INSERT INTO fraud_incident_legs (tenant_id, incident_id, leg_id, conference_id, start_at)
      SELECT ${p[4]}::text, i, l, c, s FROM json_to_recordset(${p[5]}::json) AS x (i text, l text, c text, s text)
      ${sql.raw(LEGS_CONFLICT)}`;
  });
}

/** Deletes the tenant's short-call counts of the days before `beforeDay` (YYYY-MM-DD). */
export async function pruneRollups(store: Store, tx: Tx, tenantId: string, beforeDay: string): Promise<void> {
  if (store.sqlite) {
    store.sqlite.statement('fraud.prune.fraud_range_days', () => 'DELETE FROM "fraud_range_days" WHERE "tenant_id" = ? AND "day" < ?').run([tenantId, beforeDay]);
    return;
  }
  await sql`DELETE FROM fraud_range_days WHERE tenant_id = ${tenantId} AND day < ${beforeDay}`.execute(tx);
}

/** The same for the legs of the chunk's incidents. */
function pgIncidentLegsJson(legs: readonly FraudIncidentLegsTable[]): string {
  const short = new Array<{ i: string; l: string; c: string | null; s: string }>(legs.length);
  for (let i = 0; i < legs.length; i++) {
    const r = legs[i]!;
    short[i] = { i: r.incident_id, l: r.leg_id, c: r.conference_id, s: r.start_at };
  }
  return JSON.stringify(short);
}

/** PostgreSQL: `INSERT … SELECT … FROM json_populate_recordset(…)`, one parameter however many rows. */
function jsonInsert(table: keyof Database & string, rowsJson: unknown, columns: readonly string[], onConflict: string) {
  const cols = sql.join(columns.map((c) => sql.id(c)));
  return sql`INSERT INTO ${sql.table(table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${sql.table(table)}, ${rowsJson}::json) ${sql.raw(onConflict)}`;
}

/**
 * SQLite: cached INSERTs (with their conflict clause) on the transaction's connection, of 64, 8 and 1 rows: a chunk
 * writes hundreds of rollup rows, and one statement per row cost about as much again as SQLite's own work for them.
 */
function sqliteRunEach<R extends object>(sqlite: SqliteStatements, name: string, table: string, columns: readonly (keyof R & string)[], rows: readonly R[], onConflict: string): void {
  let i = 0;
  for (const size of SQLITE_ROWS_PER_INSERT) {
    if (rows.length - i < size) continue;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const statement = sqlite.statement(size === 1 ? name : `${name}×${size}`, () => `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${new Array(size).fill(tuple).join(', ')} ${onConflict}`);
    const values = new Array<unknown>(size * columns.length);
    for (; rows.length - i >= size; i += size) {
      for (let r = 0; r < size; r++) {
        const row = rows[i + r]!;
        for (let c = 0; c < columns.length; c++) values[r * columns.length + c] = row[columns[c]!];
      }
      statement.run(values);
    }
  }
}

const SQLITE_ROWS_PER_INSERT = [64, 8, 1] as const;

/**
 * Keys per lookup on SQLite: cached statements with this many placeholders, each slice through the smallest that
 * holds it, padded with NULL. SQLite takes every placeholder of the IN list each time (it seeks once per value, or
 * builds the list's ephemeral index): a chunk's few dozen short-call ranges went through 250 (measured alone, 51
 * look-ups of 34 ranges: 2.9 -> 1.5 ms of CPU).
 */
const SQLITE_KEYS_PER_LOOKUP = [16, 64, 250] as const;
const SQLITE_MAX_KEYS_PER_LOOKUP = 250;

/** SQLite: a SELECT ending in `<column> IN (…)` for every key, through cached statements (NULL matches nothing). */
function sqliteAllByKeys<R>(sqlite: SqliteStatements, name: string, text: (keyIn: string) => string, params: unknown[], keys: readonly string[]): R[] {
  const rows: R[] = [];
  for (let i = 0; i < keys.length; ) {
    const n = SQLITE_KEYS_PER_LOOKUP.find((size) => size >= keys.length - i) ?? SQLITE_MAX_KEYS_PER_LOOKUP;
    const statement = sqlite.statement(`${name}×${n}`, () => text(`IN (${new Array(n).fill('?').join(', ')})`));
    const values = new Array<unknown>(params.length + n);
    for (let p = 0; p < params.length; p++) values[p] = params[p];
    for (let j = 0; j < n; j++) values[params.length + j] = i + j < keys.length ? keys[i + j]! : null;
    for (const r of statement.all(values) as R[]) rows.push(r);
    i += n;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Incidents

/** New incidents, as they are (intake goes through saveChunk). */
export async function insertIncidents(store: Store, tx: Tx, rows: FraudIncidentRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (store.sqlite) return sqliteRunEach(store.sqlite, 'fraud.insertIncidents', 'fraud_incidents', INCIDENT_COLUMNS, rows, '');
  await tx.insertInto('fraud_incidents').values(rows).execute();
}

export async function findIncident(tx: Tx, tenantId: string, id: string): Promise<FraudIncidentRow | undefined> {
  return tx.selectFrom('fraud_incidents').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listIncidents(tx: Tx, tenantId: string, statuses: readonly FraudIncidentRow['status'][], limit = 200): Promise<FraudIncidentRow[]> {
  return tx
    .selectFrom('fraud_incidents')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', statuses)
    .orderBy('last_leg_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The meetings an incident's legs belong to, most recent first, with how many of its legs each holds. */
export async function incidentMeetings(tx: Tx, tenantId: string, incidentId: string): Promise<{ conference_id: string | null; legs: number; last_start_at: string }[]> {
  const rows = await tx
    .selectFrom('fraud_incident_legs')
    .select((eb) => ['conference_id', eb.fn.countAll<number>().as('legs'), eb.fn.max('start_at').as('last_start_at')])
    .where('tenant_id', '=', tenantId)
    .where('incident_id', '=', incidentId)
    .groupBy('conference_id')
    .orderBy('last_start_at', 'desc')
    .execute();
  return rows.map((r) => ({ conference_id: r.conference_id, legs: Number(r.legs), last_start_at: String(r.last_start_at) }));
}

export async function updateIncidentResolution(
  tx: Tx,
  tenantId: string,
  id: string,
  patch: Pick<FraudIncidentRow, 'status' | 'actions' | 'resolved_at' | 'resolved_by' | 'updated_at'>,
): Promise<void> {
  await tx.updateTable('fraud_incidents').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------------------------------
// Block list

export async function listBlockList(tx: Tx, tenantId: string): Promise<FraudBlockRow[]> {
  return tx.selectFrom('fraud_block_list').selectAll().where('tenant_id', '=', tenantId).orderBy('target').execute();
}

/** True when the entry is new. */
export async function addToBlockList(tx: Tx, row: FraudBlockRow): Promise<boolean> {
  const r = await tx
    .insertInto('fraud_block_list')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'target']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** True when there was such an entry. */
export async function removeFromBlockList(tx: Tx, tenantId: string, target: string): Promise<boolean> {
  const r = await tx.deleteFrom('fraud_block_list').where('tenant_id', '=', tenantId).where('target', '=', target).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
