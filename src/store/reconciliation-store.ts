import { sql, type RawBuilder } from 'kysely';
import type { Tx } from './database';
import type { LegsTable } from './schema';

/**
 * Reconciliation's queries: Tollgate's charges beside Microsoft's own (ms_charge_micros and friends, kept on every
 * leg that came with them). Only rated legs count; a leg "carries Microsoft's charge" when ms_charge_micros is
 * not NULL. Microsoft's total for a leg is its charge plus its connection charge; a NULL currency is taken to be
 * the tenant's. The differing rule here is the one reconciliation/leg-difference.ts applies leg by leg.
 */
export interface ReconciliationScope {
  tenantId: string;
  /** [from, to) on start_at, ISO timestamps (UTC). */
  from: string;
  to: string;
  /** The tenant's currency, upper-case. */
  currency: string;
  /** Differences up to this much are agreement. */
  toleranceMicros: number;
}

/** One meeting's legs in the scope (conferenceId null: legs without a conference). */
export interface MeetingReconciliationRow {
  conferenceId: string | null;
  ratedLegs: number;
  /** Legs carrying Microsoft's charge. */
  comparedLegs: number;
  /** Compared legs that differ by more than the tolerance, or were charged in another currency. */
  differingLegs: number;
  /** Compared legs charged in another currency than the tenant's: left out of both totals below. */
  otherCurrencyLegs: number;
  /** Tollgate's charges of the compared legs in the tenant's currency. */
  tollgateMicros: number;
  /** Microsoft's charges (with connection charges) of the same legs. */
  microsoftMicros: number;
  /** Rated legs without Microsoft's charge yet, and what Tollgate charged for them. */
  unreconciledLegs: number;
  unreconciledTollgateMicros: number;
}

export type DifferingLegRow = Pick<
  LegsTable,
  | 'id'
  | 'conference_id'
  | 'organizer_id'
  | 'call_type'
  | 'callee_number'
  | 'toll_free'
  | 'destination_country'
  | 'start_at'
  | 'duration_seconds'
  | 'paid_by'
  | 'billed_seconds'
  | 'pool_seconds'
  | 'credit_seconds'
  | 'charge_micros'
  | 'rate_per_minute_micros'
  | 'connection_fee_micros'
  | 'flags'
  | 'ms_charge_micros'
  | 'ms_connection_charge_micros'
  | 'ms_currency'
  | 'ms_license_capability'
>;

const DIFFERING_LEG_COLUMNS = [
  'id', 'conference_id', 'organizer_id', 'call_type', 'callee_number', 'toll_free', 'destination_country', 'start_at', 'duration_seconds',
  'paid_by', 'billed_seconds', 'pool_seconds', 'credit_seconds', 'charge_micros', 'rate_per_minute_micros', 'connection_fee_micros', 'flags',
  'ms_charge_micros', 'ms_connection_charge_micros', 'ms_currency', 'ms_license_capability',
] as const satisfies readonly (keyof DifferingLegRow)[];

const MS_TOTAL = sql`(ms_charge_micros + coalesce(ms_connection_charge_micros, 0))`;
const COMPARED = sql`(ms_charge_micros is not null)`;

function sameCurrency(currency: string): RawBuilder<unknown> {
  return sql`(ms_currency is null or upper(ms_currency) = ${currency.toUpperCase()})`;
}

/** Carries Microsoft's charge, and differs: another currency (unless neither side charged) or more than the tolerance apart. */
function differing(scope: ReconciliationScope): RawBuilder<boolean> {
  return sql<boolean>`(${COMPARED} and not (charge_micros = 0 and ${MS_TOTAL} = 0) and (not ${sameCurrency(scope.currency)} or abs(${MS_TOTAL} - charge_micros) > ${scope.toleranceMicros}))`;
}

function ratedLegsIn(tx: Tx, scope: ReconciliationScope) {
  return tx
    .selectFrom('legs')
    .where('tenant_id', '=', scope.tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', scope.from)
    .where('start_at', '<', scope.to);
}

/** Per-meeting sums over the scope; the month's totals are their sum. */
export async function reconciliationByMeeting(tx: Tx, scope: ReconciliationScope): Promise<MeetingReconciliationRow[]> {
  const same = sameCurrency(scope.currency);
  const rows = await ratedLegsIn(tx, scope)
    .select([
      'conference_id',
      sql<number>`count(*)`.as('rated'),
      sql<number>`sum(case when ${COMPARED} then 1 else 0 end)`.as('compared'),
      sql<number>`sum(case when ${differing(scope)} then 1 else 0 end)`.as('differing'),
      sql<number>`sum(case when ${COMPARED} and not ${same} then 1 else 0 end)`.as('other_currency'),
      sql<number>`sum(case when ${COMPARED} and ${same} then charge_micros else 0 end)`.as('tollgate'),
      sql<number>`sum(case when ${COMPARED} and ${same} then ${MS_TOTAL} else 0 end)`.as('microsoft'),
      sql<number>`sum(case when ${COMPARED} then 0 else 1 end)`.as('unreconciled'),
      sql<number>`sum(case when ${COMPARED} then 0 else charge_micros end)`.as('unreconciled_charge'),
    ])
    .groupBy('conference_id')
    .execute();
  return rows
    .map((r) => ({
      conferenceId: r.conference_id,
      ratedLegs: Number(r.rated),
      comparedLegs: Number(r.compared),
      differingLegs: Number(r.differing),
      otherCurrencyLegs: Number(r.other_currency),
      tollgateMicros: Number(r.tollgate),
      microsoftMicros: Number(r.microsoft),
      unreconciledLegs: Number(r.unreconciled),
      unreconciledTollgateMicros: Number(r.unreconciled_charge),
    }))
    .sort((a, b) => (a.conferenceId ?? '').localeCompare(b.conferenceId ?? ''));
}

/** The legs that differ, in start order. */
export async function differingLegs(tx: Tx, scope: ReconciliationScope): Promise<DifferingLegRow[]> {
  return ratedLegsIn(tx, scope).select(DIFFERING_LEG_COLUMNS).where(differing(scope)).orderBy('start_at').orderBy('id').execute();
}

/** How many of each meeting's rated legs there are, and how many carry Microsoft's charge (all of its legs, any month). */
export async function meetingReconciliationCounts(
  tx: Tx,
  tenantId: string,
  conferenceIds: readonly string[],
): Promise<Map<string, { ratedLegs: number; legsWithMicrosoftCharge: number }>> {
  const counts = new Map<string, { ratedLegs: number; legsWithMicrosoftCharge: number }>();
  if (conferenceIds.length === 0) return counts;
  const rows = await tx
    .selectFrom('legs')
    .select(['conference_id', sql<number>`count(*)`.as('rated'), sql<number>`sum(case when ${COMPARED} then 1 else 0 end)`.as('compared')])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('conference_id', 'in', [...conferenceIds])
    .groupBy('conference_id')
    .execute();
  for (const r of rows) if (r.conference_id !== null) counts.set(r.conference_id, { ratedLegs: Number(r.rated), legsWithMicrosoftCharge: Number(r.compared) });
  return counts;
}
