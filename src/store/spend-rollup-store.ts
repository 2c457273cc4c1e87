import { sql } from 'kysely';
import type { Store, Tx } from './database';
import type { LegsTable } from './schema';
import type { SpendRow } from './report-store';
import type { SpendDailyOrganizerTable, SpendDailyTable } from './spend-rollup-schema';
import { columnList, runShaped } from './shaped-query';
import { CHARGE_TIER } from './spend-rollup-charge-tier';
import { rowValues } from './row-values';
import { unnestRows, type PgArrayType } from './pg-arrays';

/**
 * The spend rollups: rated legs summed per UTC day and what the usage and balance cards group by (call type,
 * toll-free, destination country, in a meeting or not; and, apart, the organizer). insertLegs adds every stored leg
 * to them in the same transaction, so they always equal the legs; readers sum their whole days and correct them by
 * the legs of the part-days at either end, so any range is exact to the millisecond.
 */

/** A leg's place in both rollups, as grouped from the legs themselves (part-days, rebuilds). */
export interface SpendCell {
  day: string;
  call_type: string;
  toll_free: number;
  destination_country: string;
  organizer_id: string;
  in_meeting: number;
  legs: number;
  charge_micros: number;
  billed_seconds: number;
}

const DAILY_KEY = ['tenant_id', 'day', 'call_type', 'toll_free', 'destination_country', 'in_meeting'] as const;
const ORGANIZER_KEY = ['tenant_id', 'day', 'organizer_id'] as const;

/**
 * What the toll-fraud guard adds to an organizer's day (FraudGuard.onSettled, through intake), in the organizer's
 * spend row's upsert: the sums add; the hours are the day's whole (the guard read the row under the tenant's lock),
 * and replace the row's unless empty.
 */
export type GuardDayFigures = Pick<SpendDailyOrganizerTable, 'tenant_id' | 'day' | 'organizer_id' | 'dialout_seconds' | 'dialout_legs' | 'hour_seconds' | 'night_seconds'>;

/**
 * Rated legs' contributions to each rollup, summed per row; unrated (ignored) legs add nothing. The guard's figures
 * (`guard`) go into the organizers' rows, a row of their own where no leg gave one.
 */
export function spendDeltas(legs: readonly LegsTable[], guard: readonly GuardDayFigures[] = []): { daily: SpendDailyTable[]; organizers: SpendDailyOrganizerTable[] } {
  // Grouped first by tenant and day, then within the day: legs come in start order, so the day's groups are looked up
  // once per day rather than once per leg, and the keys within a day are short (the organizer's is its id alone).
  const days = new Map<string, { daily: Map<string, SpendDailyTable>; organizers: Map<string, SpendDailyOrganizerTable> }>();
  let lastTenant: string | undefined;
  let lastDay: string | undefined;
  let groups: { daily: Map<string, SpendDailyTable>; organizers: Map<string, SpendDailyOrganizerTable> } | undefined;
  for (const l of legs) {
    if (l.status !== 'rated') continue;
    const day = l.start_at.slice(0, 10);
    if (groups === undefined || l.tenant_id !== lastTenant || day !== lastDay) {
      const dayKey = `${l.tenant_id}\u0000${day}`;
      groups = days.get(dayKey);
      if (!groups) days.set(dayKey, (groups = { daily: new Map(), organizers: new Map() }));
      lastTenant = l.tenant_id;
      lastDay = day;
    }
    const country = l.destination_country ?? '';
    const organizer = l.organizer_id ?? '';
    const inMeeting = l.conference_id === null ? 0 : 1;
    const charge = Number(l.charge_micros);
    const billed = Number(l.billed_seconds);
    const dk = `${l.call_type}\u0000${l.toll_free}\u0000${country}\u0000${inMeeting}`;
    let d = groups.daily.get(dk);
    if (!d) {
      d = { tenant_id: l.tenant_id, day, call_type: l.call_type, toll_free: Number(l.toll_free), destination_country: country, in_meeting: inMeeting, legs: 0, charge_micros: 0, billed_seconds: 0 };
      groups.daily.set(dk, d);
    }
    d.legs += 1;
    d.charge_micros += charge;
    d.billed_seconds += billed;
    let o = groups.organizers.get(organizer);
    if (!o) {
      o = organizerRow(l.tenant_id, day, organizer);
      groups.organizers.set(organizer, o);
    }
    o.legs += 1;
    o.charge_micros += charge;
    o.billed_seconds += billed;
  }
  for (const g of guard) {
    const dayKey = `${g.tenant_id}\u0000${g.day}`;
    let inDay = days.get(dayKey);
    if (!inDay) days.set(dayKey, (inDay = { daily: new Map(), organizers: new Map() }));
    let o = inDay.organizers.get(g.organizer_id);
    if (!o) inDay.organizers.set(g.organizer_id, (o = organizerRow(g.tenant_id, g.day, g.organizer_id)));
    o.dialout_seconds += g.dialout_seconds;
    o.dialout_legs += g.dialout_legs;
    if (g.hour_seconds) o.hour_seconds = g.hour_seconds;
    o.night_seconds += g.night_seconds;
  }
  const daily: SpendDailyTable[] = [];
  const organizers: SpendDailyOrganizerTable[] = [];
  for (const g of days.values()) {
    for (const d of g.daily.values()) daily.push(d);
    for (const o of g.organizers.values()) organizers.push(o);
  }
  return { daily, organizers };
}

/** SQL: an organizer's spend row holds figures of the guard's (the rules read it; a rebuild keeps it). */
export const HAS_GUARD_FIGURES = `("dialout_legs" > 0 OR "night_seconds" > 0 OR "hour_seconds" <> '')`;

function organizerRow(tenant_id: string, day: string, organizer_id: string): SpendDailyOrganizerTable {
  return { tenant_id, day, organizer_id, legs: 0, charge_micros: 0, billed_seconds: 0, dialout_seconds: 0, dialout_legs: 0, hour_seconds: '', night_seconds: 0 };
}

/** Adds stored legs (and the guard's figures of their organizers' days) to the rollups, inside the transaction that stores them. */
export async function addToSpendRollup(store: Store, tx: Tx, legs: readonly LegsTable[], guard: readonly GuardDayFigures[] = []): Promise<void> {
  const { daily, organizers } = spendDeltas(legs, guard);
  if (store.sqlite) {
    upsertSumsSqlite(store, tx, 'spend_daily', DAILY_KEY, daily);
    upsertSumsSqlite(store, tx, 'spend_daily_organizer', ORGANIZER_KEY, organizers);
    return;
  }
  // PostgreSQL: both rollups in one statement (the first upsert a data-modifying WITH, which runs whether or not it is
  // read), one JSON parameter per table: one round trip and one plan per chunk, no plan for thousands of bound
  // parameters. Rated legs give rows to both or to neither.
  if (daily.length === 0 && organizers.length === 0) return;
  await sql`WITH daily AS (${pgUpsertSums('spend_daily', DAILY_KEY, daily)})
    ${pgUpsertSums('spend_daily_organizer', ORGANIZER_KEY, organizers)}`.execute(tx);
}

type RollupTable = 'spend_daily' | 'spend_daily_organizer';

/** Adds rows' sums to a rollup on SQLite: inserted when new, added to when there. */
function upsertSumsSqlite<R extends SpendDailyTable | SpendDailyOrganizerTable>(store: Store, tx: Tx, table: RollupTable, key: readonly string[], rows: R[]): void {
  if (rows.length === 0) return;
  // The upsert compiled once for one row (as addToMeetings does); its parameters are the row's values in order.
  const columns = Object.keys(rows[0]!) as (keyof R)[];
  const statement = store.sqlite!.statement(`addToSpendRollup(${table})`, () => {
    const compiled = tx
      .insertInto(table)
      .values(rows[0]! as never)
      .onConflict((oc) =>
        oc.columns(key as never).doUpdateSet({
          legs: sql<number>`${sql.ref(`${table}.legs`)} + excluded.legs`,
          charge_micros: sql<number>`${sql.ref(`${table}.charge_micros`)} + excluded.charge_micros`,
          billed_seconds: sql<number>`${sql.ref(`${table}.billed_seconds`)} + excluded.billed_seconds`,
          ...(table === 'spend_daily_organizer' ? guardSet() : {}),
        } as never),
      )
      .compile();
    if (compiled.parameters.length !== columns.length) throw new Error(`addToSpendRollup: unexpected parameters in the ${table} upsert`);
    return compiled.sql;
  });
  const valuesOf = rowValues(columns as string[]);
  for (const r of rows) statement.run(valuesOf(r));
}

/**
 * The PostgreSQL upsert of rows' sums into a rollup, the rows as one typed array per column (unnestRows). The rows
 * are distinct by key (spendDeltas), so no statement updates a row twice. No rows: a statement that adds nothing.
 */
function pgUpsertSums(table: RollupTable, key: readonly string[], rows: readonly (SpendDailyTable | SpendDailyOrganizerTable)[]) {
  const names = table === 'spend_daily' ? DAILY_COLUMNS : ORGANIZER_COLUMNS;
  const columns = sql.join(names.map((c) => sql.id(c)));
  const selected = unnestRows(names, SPEND_COLUMN_TYPES, rows as readonly SpendRollupRow[]);
  return sql`INSERT INTO ${sql.table(table)} (${columns})
    ${selected}
    ON CONFLICT (${sql.join(key.map((c) => sql.id(c)))}) DO UPDATE SET
      legs = ${sql.ref(`${table}.legs`)} + excluded.legs,
      charge_micros = ${sql.ref(`${table}.charge_micros`)} + excluded.charge_micros,
      billed_seconds = ${sql.ref(`${table}.billed_seconds`)} + excluded.billed_seconds
      ${table === 'spend_daily_organizer' ? sql`, ${sql.join(Object.entries(guardSet()).map(([c, v]) => sql`${sql.id(c)} = ${v}`))}` : sql``}`;
}

/** The guard's figures added to an organizer's row: sums add, the day's hours replace the row's (none: kept). */
function guardSet() {
  const t = (c: string) => sql.ref(`spend_daily_organizer.${c}`);
  return {
    dialout_seconds: sql<number>`${t('dialout_seconds')} + excluded.dialout_seconds`,
    dialout_legs: sql<number>`${t('dialout_legs')} + excluded.dialout_legs`,
    hour_seconds: sql<string>`CASE WHEN excluded.hour_seconds = '' THEN ${t('hour_seconds')} ELSE excluded.hour_seconds END`,
    night_seconds: sql<number>`${t('night_seconds')} + excluded.night_seconds`,
  };
}

/** Either rollup's row, every column of both (unnestRows reads those of the table at hand). */
type SpendRollupRow = SpendDailyTable & SpendDailyOrganizerTable;

/** Both rollups' columns as PostgreSQL types for unnestRows. */
const SPEND_COLUMN_TYPES: Readonly<Record<keyof SpendRollupRow & string, PgArrayType>> = {
  tenant_id: 'text',
  day: 'text',
  call_type: 'text',
  toll_free: 'bigint',
  destination_country: 'text',
  in_meeting: 'bigint',
  organizer_id: 'text',
  legs: 'bigint',
  charge_micros: 'bigint',
  billed_seconds: 'bigint',
  dialout_seconds: 'bigint',
  dialout_legs: 'bigint',
  hour_seconds: 'text',
  night_seconds: 'bigint',
};

/** The columns spendDeltas fills, per rollup (named here: an empty delta has no row to take them from). */
const DAILY_COLUMNS = [...DAILY_KEY, 'legs', 'charge_micros', 'billed_seconds'] as const;
const ORGANIZER_COLUMNS = [...ORGANIZER_KEY, 'legs', 'charge_micros', 'billed_seconds', 'dialout_seconds', 'dialout_legs', 'hour_seconds', 'night_seconds'] as const;

/**
 * Rebuilds one tenant's rollups from its legs (legs written around insertLegs: bulk loads, repairs). The organizers'
 * rows keep the guard's figures (not sums of legs: they depend on the guard's settings when each leg came); their
 * sums are set again, and a row left with neither goes.
 */
export async function rebuildSpendRollup(tx: Tx, tenantId: string): Promise<void> {
  await tx.deleteFrom('spend_daily').where('tenant_id', '=', tenantId).execute();
  await tx.updateTable('spend_daily_organizer').set({ legs: 0, charge_micros: 0, billed_seconds: 0 }).where('tenant_id', '=', tenantId).execute();
  await sql`
    INSERT INTO spend_daily (tenant_id, day, call_type, toll_free, destination_country, in_meeting, legs, charge_micros, billed_seconds)
    SELECT tenant_id, ${DAY}, call_type, toll_free, COALESCE(destination_country, ''), ${IN_MEETING}, COUNT(*), SUM(charge_micros), SUM(billed_seconds)
    FROM legs WHERE tenant_id = ${tenantId} AND status = 'rated'
    GROUP BY tenant_id, ${DAY}, call_type, toll_free, COALESCE(destination_country, ''), ${IN_MEETING}`.execute(tx);
  await sql`
    INSERT INTO spend_daily_organizer (tenant_id, day, organizer_id, legs, charge_micros, billed_seconds)
    SELECT tenant_id, ${DAY}, COALESCE(organizer_id, ''), COUNT(*), SUM(charge_micros), SUM(billed_seconds)
    FROM legs WHERE tenant_id = ${tenantId} AND status = 'rated'
    GROUP BY tenant_id, ${DAY}, COALESCE(organizer_id, '')
    ON CONFLICT (tenant_id, day, organizer_id) DO UPDATE SET legs = excluded.legs, charge_micros = excluded.charge_micros, billed_seconds = excluded.billed_seconds`.execute(tx);
  await tx
    .deleteFrom('spend_daily_organizer')
    .where('tenant_id', '=', tenantId)
    .where('legs', '=', 0)
    .where(sql<boolean>`NOT ${sql.raw(HAS_GUARD_FIGURES)}`)
    .execute();
}

const DAY = sql`substr(start_at, 1, 10)`;
const IN_MEETING = sql`CASE WHEN conference_id IS NULL THEN 0 ELSE 1 END`;
/** How intake writes start_at (toISOString): the only form whose days the rollup can be trusted to cut along. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAY_MS = 86_400_000;

/** What the cards group a period's rated legs by. `kind` keys are `${call_type}|${toll_free}`, `meeting` keys '1' (in a meeting) and '0'. */
export type SpendDimension = 'kind' | 'country' | 'organizer' | 'day' | 'meeting';

const COLUMNS: Record<SpendDimension, readonly ('call_type' | 'toll_free' | 'destination_country' | 'organizer_id' | 'day' | 'in_meeting')[]> = {
  kind: ['call_type', 'toll_free'],
  country: ['destination_country'],
  organizer: ['organizer_id'],
  day: ['day'],
  meeting: ['in_meeting'],
};

function keyOf(dimension: SpendDimension, c: Pick<SpendCell, 'call_type' | 'toll_free' | 'destination_country' | 'organizer_id' | 'day' | 'in_meeting'>): string {
  switch (dimension) {
    case 'kind':
      return `${c.call_type}|${Number(c.toll_free)}`;
    case 'country':
      return c.destination_country;
    case 'organizer':
      return c.organizer_id;
    case 'day':
      return c.day;
    case 'meeting':
      return String(Number(c.in_meeting));
  }
}

/** Every group of each dimension asked for (unordered; only groups with legs), over the rated legs that started in the range. */
export type SpendBreakdown = Record<SpendDimension, Map<string, SpendRow>>;

/**
 * Which rollup days and which stretches of legs make up [from, to): whole UTC days from the rollup; a part-day at
 * either end either from its own legs or as its whole day less the legs outside the range, whichever stretch of
 * time is shorter (so "month to date" is the rollup less the legs after now: usually none).
 */
interface ReadPlan {
  /** Rollup days [fromDay, toDay), YYYY-MM-DD; empty when fromDay >= toDay. */
  fromDay: string;
  toDay: string;
  add: [string, string][];
  subtract: [string, string][];
}

function dayStart(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);

export function readPlan(from: string, to: string): ReadPlan | undefined {
  if (!CANONICAL_INSTANT.test(from) || !CANONICAL_INSTANT.test(to)) return undefined;
  const f = Date.parse(from);
  const t = Date.parse(to);
  if (!(f < t)) return undefined;
  const f0 = dayStart(f);
  const t0 = dayStart(t);
  const plan: ReadPlan = { fromDay: dayOf(f0), toDay: dayOf(t0), add: [], subtract: [] };
  if (f0 === t0) {
    // Within one day: its legs, or the day less the legs before and after.
    if (t - f <= DAY_MS / 2) return { fromDay: plan.fromDay, toDay: plan.fromDay, add: [[from, to]], subtract: [] };
    return { fromDay: plan.fromDay, toDay: dayOf(f0 + DAY_MS), add: [], subtract: [[iso(f0), from], [to, iso(f0 + DAY_MS)]].filter(([a, b]) => a! < b!) as [string, string][] };
  }
  if (f > f0) {
    if (f0 + DAY_MS - f <= f - f0) {
      plan.fromDay = dayOf(f0 + DAY_MS);
      plan.add.push([from, iso(f0 + DAY_MS)]);
    } else plan.subtract.push([iso(f0), from]);
  }
  if (t > t0) {
    if (t - t0 <= t0 + DAY_MS - t) plan.add.push([iso(t0), to]);
    else {
      plan.toDay = dayOf(t0 + DAY_MS);
      plan.subtract.push([to, iso(t0 + DAY_MS)]);
    }
  }
  return plan;
}

/** Adds (sign 1) or takes away (-1) legs, charge and billed seconds to the group `key` of dimension `d`; a group left with no legs goes. */
function addToGroup(out: Partial<SpendBreakdown>, d: SpendDimension, key: string, sign: 1 | -1, legs: number, charge: number, billed: number): void {
  const groups = out[d]!;
  const g = groups.get(key) ?? { key, legs: 0, chargeMicros: 0, billedSeconds: 0 };
  g.legs += sign * legs;
  g.chargeMicros += sign * charge;
  g.billedSeconds += sign * billed;
  if (g.legs === 0) groups.delete(key);
  else groups.set(key, g);
}

/**
 * The groups of the rated legs that started in [from, to) (ISO instants, compared as text like every leg query),
 * per dimension asked for: sums over the rollup's whole days, grouped in the database, corrected by the legs of the
 * part-days (readPlan). A range not in intake's own instant format is grouped from the legs whole.
 */
export async function spendBreakdown(tx: Tx, tenantId: string, from: string, to: string, dimensions: readonly SpendDimension[]): Promise<Partial<SpendBreakdown>> {
  const out: Partial<SpendBreakdown> = {};
  for (const d of dimensions) out[d] = new Map();
  if (!(from < to)) return out;
  const plan = readPlan(from, to) ?? { fromDay: '', toDay: '', add: [[from, to]] as [string, string][], subtract: [] };
  if (plan.fromDay < plan.toDay) {
    for (const d of dimensions) {
      // Compiled once per dimension (runShaped): the balance card reads these on every `balance`.
      const rows = await runShaped<SpendCell & { n: number; charge: number; billed: number }>(tx, `spendBreakdown(${d})`, [tenantId, plan.fromDay, plan.toDay], () => {
        const columns = columnList(COLUMNS[d]);
        const table = d === 'organizer' ? 'spend_daily_organizer' : 'spend_daily';
        return sql`
          SELECT ${columns}, SUM(legs) AS n, SUM(charge_micros) AS charge, SUM(billed_seconds) AS billed FROM ${sql.table(table)}
          WHERE tenant_id = ${tenantId} AND day >= ${plan.fromDay} AND day < ${plan.toDay} GROUP BY ${columns}`;
      });
      for (const r of rows) addToGroup(out, d, keyOf(d, r), 1, Number(r.n), Number(r.charge), Number(r.billed));
    }
  }
  for (const [sign, stretches] of [[1, plan.add], [-1, plan.subtract]] as const) {
    for (const [a, b] of stretches) {
      for (const c of await legCells(tx, tenantId, a, b)) {
        for (const d of dimensions) addToGroup(out, d, keyOf(d, c), sign, c.legs, c.charge_micros, c.billed_seconds);
      }
    }
  }
  return out;
}

/** The dimensions spend_daily holds (all but the organizer, which has its own rollup). */
export type DailySpendDimension = Exclude<SpendDimension, 'organizer'>;

/** How the legs give each spend_daily column, as legCells groups them. */
const LEG_COLUMN = {
  day: DAY,
  call_type: sql.ref('call_type'),
  toll_free: sql.ref('toll_free'),
  destination_country: sql`COALESCE(destination_country, '')`,
  in_meeting: IN_MEETING,
} as const;

/**
 * spendBreakdown of several ranges in two statements, not one per range and part-day: one over spend_daily for the
 * days from the earliest range's to the latest's, a sum per range of its own days (so meant for ranges close
 * together, like the balance card's month to date and last 28 days), and one over the legs of every range's
 * part-days at once, a sum per stretch, reading only those stretches. Each range gets exactly the groups
 * spendBreakdown gives it: its days' rollup sums per group, then its stretches added, then subtracted. Both
 * statements' SQL is compiled once per shape (runShaped).
 */
export async function spendBreakdowns(
  tx: Tx,
  tenantId: string,
  ranges: readonly { from: string; to: string }[],
  dimensions: readonly DailySpendDimension[],
): Promise<Partial<SpendBreakdown>[]> {
  const outs = ranges.map(() => {
    const out: Partial<SpendBreakdown> = {};
    for (const d of dimensions) out[d] = new Map();
    return out;
  });
  const plans = ranges.map(({ from, to }) => (!(from < to) ? undefined : (readPlan(from, to) ?? { fromDay: '', toDay: '', add: [[from, to]] as [string, string][], subtract: [] })));
  const columns = [...new Set(dimensions.flatMap((d) => COLUMNS[d]))];
  type Sums = Pick<SpendCell, 'call_type' | 'toll_free' | 'destination_country' | 'day' | 'in_meeting'> & Record<string, unknown>;

  // The rollup: one sum per range in each group, over the range's own days (a group without legs in a range has none).
  const whole = plans.flatMap((plan, range) => (plan && plan.fromDay < plan.toDay ? [{ range, fromDay: plan.fromDay, toDay: plan.toDay }] : []));
  if (whole.length > 0 && dimensions.length > 0) {
    const fromDay = whole.reduce((m, w) => (w.fromDay < m ? w.fromDay : m), whole[0]!.fromDay);
    const toDay = whole.reduce((m, w) => (w.toDay > m ? w.toDay : m), whole[0]!.toDay);
    const params = [...whole.flatMap((w) => [w.fromDay, w.toDay, w.fromDay, w.toDay, w.fromDay, w.toDay]), tenantId, fromDay, toDay];
    const rows = await runShaped<Sums>(tx, `spendBreakdowns rollup ${columns.join(',')} ${whole.length}`, params, () => sql`
        SELECT ${columnList(columns)}, ${sql.join(whole.map((w, k) => conditionalSums(sql`day >= ${w.fromDay} AND day < ${w.toDay}`, k, sql.ref('legs'))))}
        FROM spend_daily WHERE tenant_id = ${tenantId} AND day >= ${fromDay} AND day < ${toDay} GROUP BY ${columnList(columns)}`);
    whole.forEach((w, k) => {
      for (const r of rows) {
        const n = Number(r[`n${k}`]);
        if (n === 0) continue;
        for (const d of dimensions) addToGroup(outs[w.range]!, d, keyOf(d, r as Sums & { organizer_id: string }), 1, n, Number(r[`c${k}`]), Number(r[`b${k}`]));
      }
    });
  }

  const stretches: { range: number; sign: 1 | -1; from: string; to: string }[] = [];
  plans.forEach((plan, range) => {
    if (!plan) return;
    for (const [from, to] of plan.add) stretches.push({ range, sign: 1, from, to });
    for (const [from, to] of plan.subtract) stretches.push({ range, sign: -1, from, to });
  });
  if (stretches.length > 0 && dimensions.length > 0) {
    const grouped = columns.map((c) => LEG_COLUMN[c as keyof typeof LEG_COLUMN]);
    // The legs the stretches cover, as disjoint spans each with the tenant in it: every span is then a range of the
    // legs_start index (tenant_id, start_at), on SQLite as on PostgreSQL; with the tenant outside the ORs, SQLite
    // read all the tenant's legs.
    const spans: [string, string][] = [];
    for (const { from, to } of [...stretches].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))) {
      const last = spans[spans.length - 1];
      if (last && from <= last[1]) last[1] = to > last[1] ? to : last[1];
      else spans.push([from, to]);
    }
    const params = [...stretches.flatMap((s) => [s.from, s.to, s.from, s.to, s.from, s.to]), ...spans.flatMap(([from, to]) => [tenantId, from, to])];
    const rows = await runShaped<Sums>(tx, `spendBreakdowns legs ${columns.join(',')} ${stretches.length} ${spans.length}`, params, () => {
      const sums = stretches.map((s, k) => conditionalSums(sql`start_at >= ${s.from} AND start_at < ${s.to}`, k, sql.lit(1)));
      const covering = spans.map(([from, to]) => sql`(tenant_id = ${tenantId} AND start_at >= ${from} AND start_at < ${to})`);
      return sql`
        SELECT ${sql.join(columns.map((c) => sql`${LEG_COLUMN[c as keyof typeof LEG_COLUMN]} AS ${sql.ref(c)}`))}, ${sql.join(sums)}
        FROM legs WHERE (${sql.join(covering, sql` OR `)}) AND status = 'rated'
        GROUP BY ${sql.join(grouped)}`;
    });
    // Range by range, its added stretches before its subtracted ones, as spendBreakdown applies them.
    stretches.forEach((s, k) => {
      for (const r of rows) {
        const n = Number(r[`n${k}`]);
        if (n === 0) continue;
        for (const d of dimensions) addToGroup(outs[s.range]!, d, keyOf(d, r as Sums & { organizer_id: string }), s.sign, n, Number(r[`c${k}`]), Number(r[`b${k}`]));
      }
    });
  }
  return outs;
}

/** Legs, charge and billed seconds summed over the rows `when` holds for, as n<k>, c<k> and b<k>. */
function conditionalSums(when: ReturnType<typeof sql.raw>, k: number, legs: ReturnType<typeof sql.raw>) {
  return sql`SUM(CASE WHEN ${when} THEN ${legs} ELSE 0 END) AS ${sql.ref(`n${k}`)}, SUM(CASE WHEN ${when} THEN charge_micros ELSE 0 END) AS ${sql.ref(`c${k}`)}, SUM(CASE WHEN ${when} THEN billed_seconds ELSE 0 END) AS ${sql.ref(`b${k}`)}`;
}

/** Both rollups' cells at once, grouped straight from the legs of [from, to). */
async function legCells(tx: Tx, tenantId: string, from: string, to: string): Promise<SpendCell[]> {
  const rows = await sql<SpendCell>`
    SELECT ${DAY} AS day, call_type, toll_free, COALESCE(destination_country, '') AS destination_country,
      COALESCE(organizer_id, '') AS organizer_id, ${IN_MEETING} AS in_meeting,
      COUNT(*) AS legs, SUM(charge_micros) AS charge_micros, SUM(billed_seconds) AS billed_seconds
    FROM legs WHERE tenant_id = ${tenantId} AND status = 'rated' AND start_at >= ${from} AND start_at < ${to}
    GROUP BY ${DAY}, call_type, toll_free, COALESCE(destination_country, ''), COALESCE(organizer_id, ''), ${IN_MEETING}`.execute(tx);
  return rows.rows.map((c) => ({
    ...c,
    toll_free: Number(c.toll_free),
    in_meeting: Number(c.in_meeting),
    legs: Number(c.legs),
    charge_micros: Number(c.charge_micros),
    billed_seconds: Number(c.billed_seconds),
  }));
}

/**
 * The tenant's meetings by their total charge, highest first, then by id, so a longer read starts with the shorter
 * one. Ordered by charge tier first (index meetings_charge_tier, migration 0013: the tier grows with the charge, so
 * the order is the same), each tier sorted by the exact charge as it is read; nothing else in the WHERE, so no planner
 * prefers another index. A meeting's total bounds what any period of it can cost.
 */
export async function meetingsByCharge(tx: Tx, tenantId: string, limit: number): Promise<{ conferenceId: string; chargeMicros: number }[]> {
  const rows = await tx
    .selectFrom('meetings')
    .select(['conference_id', 'charge_micros'])
    .where('tenant_id', '=', tenantId)
    .orderBy(CHARGE_TIER, 'desc')
    .orderBy('charge_micros', 'desc')
    .orderBy('conference_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ conferenceId: r.conference_id, chargeMicros: Number(r.charge_micros) }));
}

/** What the rated legs of these meetings that started in [from, to) add up to; meetings without such legs are left out. */
export async function meetingSpendIn(
  tx: Tx,
  tenantId: string,
  conferenceIds: readonly string[],
  from: string,
  to: string,
): Promise<{ key: string; chargeMicros: number; legs: number; billedSeconds: number }[]> {
  const out: { key: string; chargeMicros: number; legs: number; billedSeconds: number }[] = [];
  // No start_at condition in WHERE: the only index the planner can then use is (tenant_id, conference_id).
  const inRange = sql`start_at >= ${from} AND start_at < ${to}`;
  for (let i = 0; i < conferenceIds.length; i += 500) {
    const rows = await tx
      .selectFrom('legs')
      .select([
        'conference_id',
        sql<number>`SUM(CASE WHEN ${inRange} THEN charge_micros ELSE 0 END)`.as('charge'),
        sql<number>`SUM(CASE WHEN ${inRange} THEN 1 ELSE 0 END)`.as('legs'),
        sql<number>`SUM(CASE WHEN ${inRange} THEN billed_seconds ELSE 0 END)`.as('billed'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('conference_id', 'in', conferenceIds.slice(i, i + 500))
      .where('status', '=', 'rated')
      .groupBy('conference_id')
      .execute();
    for (const r of rows) {
      if (Number(r.legs) > 0) out.push({ key: r.conference_id!, chargeMicros: Number(r.charge), legs: Number(r.legs), billedSeconds: Number(r.billed) });
    }
  }
  return out;
}
