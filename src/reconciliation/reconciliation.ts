import { nextMonthStart } from '../ledger/ledger';
import { failure, ok, type Outcome } from '../outcome';
import type { Store } from '../store/database';
import {
  differingLegs,
  meetingReconciliationCounts,
  reconciliationByMeeting,
  type DifferingLegRow,
  type ReconciliationScope,
} from '../store/reconciliation-store';
import { findTenant } from '../store/tenant-store';
import { CAUSE_WORDS, differenceDetail } from './difference-words';
import { compareLeg, DEFAULT_TOLERANCE_MICROS, type DifferenceCause, type LegCharges, type LegComparison } from './leg-difference';
import { meetingCostStatusOf, type MeetingCostStatus } from './meeting-status';

export type DifferingCause = Exclude<DifferenceCause, 'match'>;

/** A leg whose charges differ, with both figures and the likely cause. */
export interface LegDifference extends LegComparison {
  cause: DifferingCause;
  id: string;
  conferenceId: string | null;
  organizerId: string | null;
  callType: string;
  number: string | null;
  tollFree: boolean;
  destinationCountry: string | null;
  startDateTime: string;
  durationSeconds: number;
  billedSeconds: number;
  poolSeconds: number;
  creditSeconds: number;
  paidBy: string | null;
  microsoftCurrency: string | null;
  microsoftLicenseCapability: string | null;
  /** CAUSE_WORDS of the cause. */
  causeText: string;
  /** What exactly differs, in one sentence with both sides' figures. */
  detail: string;
}

/** A meeting whose legs differ, or whose sums do (many small differences add up). */
export interface MeetingDifference {
  conferenceId: string | null;
  comparedLegs: number;
  differingLegs: number;
  unreconciledLegs: number;
  tollgateMicros: number;
  microsoftMicros: number;
  differenceMicros: number;
  /** The causes of its differing legs, most frequent first; 'rounding' when only the sum differs. */
  causes: DifferingCause[];
}

export interface MonthReconciliation {
  tenantId: string;
  /** YYYY-MM; legs are in it by their start time (UTC). */
  month: string;
  currency: string;
  toleranceMicros: number;
  /** Over the legs that carry Microsoft's charge in the tenant's currency. */
  totals: { tollgateMicros: number; microsoftMicros: number; differenceMicros: number };
  legs: {
    rated: number;
    /** Carry Microsoft's charge. */
    compared: number;
    matched: number;
    differing: number;
    /** Of the differing ones: charged in another currency, so left out of the totals. */
    otherCurrency: number;
    /** Rated but without Microsoft's charge yet, and what Tollgate charged for them. */
    unreconciled: number;
    unreconciledTollgateMicros: number;
  };
  causes: Record<DifferingCause, number>;
  meetingCounts: { compared: number; differing: number };
  /** Largest difference first. */
  meetings: MeetingDifference[];
  /** Largest difference first; those charged in another currency (whose differenceMicros compares two currencies) last. */
  differingLegs: LegDifference[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: string): boolean {
  return MONTH.test(text);
}

/** YYYY-MM of a moment, in UTC (the pool month and the report month are both UTC months). */
export function monthOf(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function legCharges(r: DifferingLegRow): LegCharges {
  return {
    callType: r.call_type,
    destinationCountry: r.destination_country,
    durationSeconds: Number(r.duration_seconds),
    paidBy: r.paid_by,
    billedSeconds: Number(r.billed_seconds),
    poolSeconds: Number(r.pool_seconds),
    creditSeconds: Number(r.credit_seconds),
    chargeMicros: Number(r.charge_micros),
    ratePerMinuteMicros: r.rate_per_minute_micros === null ? null : Number(r.rate_per_minute_micros),
    connectionFeeMicros: Number(r.connection_fee_micros),
    flags: r.flags ? r.flags.split(',') : [],
    microsoft: {
      chargeMicros: Number(r.ms_charge_micros ?? 0),
      connectionChargeMicros: r.ms_connection_charge_micros === null ? null : Number(r.ms_connection_charge_micros),
      currency: r.ms_currency,
      licenseCapability: r.ms_license_capability,
    },
  };
}

function byLargestDifference<T extends { differenceMicros: number }>(a: T, b: T): number {
  return Math.abs(b.differenceMicros) - Math.abs(a.differenceMicros);
}

/**
 * Tollgate's charges against Microsoft's billed ones: per leg, per meeting and per month. Only legs that carry
 * Microsoft's charge are compared; the others are counted as not yet reconciled.
 */
export class Reconciliation {
  constructor(
    private readonly store: Store,
    private readonly options: { toleranceMicros?: number } = {},
  ) {}

  async month(tenantId: string, month: string, options: { locale?: string } = {}): Promise<Outcome<MonthReconciliation>> {
    if (!isMonth(month)) return failure('invalid_month', `"${month}" is not a month: write it as YYYY-MM, e.g. 2026-11.`);
    const tenant = await findTenant(this.store.db, tenantId);
    if (!tenant) return failure('unknown_tenant');
    const toleranceMicros = this.options.toleranceMicros ?? DEFAULT_TOLERANCE_MICROS;
    const scope: ReconciliationScope = {
      tenantId,
      from: `${month}-01T00:00:00.000Z`,
      to: nextMonthStart(month),
      currency: tenant.currency.toUpperCase(),
      toleranceMicros,
    };
    const [meetingRows, legRows] = await Promise.all([reconciliationByMeeting(this.store.db, scope), differingLegs(this.store.db, scope)]);
    const fmt = { currency: scope.currency, locale: options.locale ?? 'en-US' };

    const causes: Record<DifferingCause, number> = { rate_card: 0, pool_or_license: 0, rounding: 0, currency: 0 };
    const byMeeting = new Map<string, Map<DifferingCause, number>>();
    const legs: LegDifference[] = [];
    for (const row of legRows) {
      const charges = legCharges(row);
      const comparison = compareLeg(charges, { currency: scope.currency, toleranceMicros });
      // The query and compareLeg apply the same rule; a leg the query let through always has a cause.
      const cause: DifferingCause = comparison.cause === 'match' ? 'rounding' : comparison.cause;
      causes[cause] += 1;
      const key = row.conference_id ?? '';
      const meetingCauses = byMeeting.get(key) ?? new Map<DifferingCause, number>();
      meetingCauses.set(cause, (meetingCauses.get(cause) ?? 0) + 1);
      byMeeting.set(key, meetingCauses);
      legs.push({
        ...comparison,
        cause,
        id: row.id,
        conferenceId: row.conference_id,
        organizerId: row.organizer_id,
        callType: row.call_type,
        number: row.callee_number,
        tollFree: Number(row.toll_free) === 1,
        destinationCountry: row.destination_country,
        startDateTime: row.start_at,
        durationSeconds: charges.durationSeconds,
        billedSeconds: charges.billedSeconds,
        poolSeconds: charges.poolSeconds,
        creditSeconds: charges.creditSeconds,
        paidBy: row.paid_by,
        microsoftCurrency: row.ms_currency,
        microsoftLicenseCapability: row.ms_license_capability,
        causeText: CAUSE_WORDS[cause],
        detail: differenceDetail(charges, comparison, fmt),
      });
    }
    // Amounts in two currencies have no difference to rank by: those legs come last.
    const foreign = (d: LegDifference) => (d.cause === 'currency' ? 1 : 0);
    legs.sort((a, b) => foreign(a) - foreign(b) || byLargestDifference(a, b) || a.startDateTime.localeCompare(b.startDateTime) || a.id.localeCompare(b.id));

    const sum = (f: (r: (typeof meetingRows)[number]) => number) => meetingRows.reduce((s, r) => s + f(r), 0);
    const tollgateMicros = sum((r) => r.tollgateMicros);
    const microsoftMicros = sum((r) => r.microsoftMicros);
    const compared = sum((r) => r.comparedLegs);
    const differing = sum((r) => r.differingLegs);

    const meetings: MeetingDifference[] = meetingRows
      .filter((r) => r.comparedLegs > 0 && (r.differingLegs > 0 || Math.abs(r.microsoftMicros - r.tollgateMicros) > toleranceMicros))
      .map((r): MeetingDifference => {
        const counted = [...(byMeeting.get(r.conferenceId ?? '') ?? new Map<DifferingCause, number>())].sort((a, b) => b[1] - a[1]).map(([c]) => c);
        return {
          conferenceId: r.conferenceId,
          comparedLegs: r.comparedLegs,
          differingLegs: r.differingLegs,
          unreconciledLegs: r.unreconciledLegs,
          tollgateMicros: r.tollgateMicros,
          microsoftMicros: r.microsoftMicros,
          differenceMicros: r.microsoftMicros - r.tollgateMicros,
          causes: counted.length > 0 ? counted : ['rounding'],
        };
      })
      .sort((a, b) => byLargestDifference(a, b) || (a.conferenceId ?? '').localeCompare(b.conferenceId ?? ''));

    return ok({
      tenantId,
      month,
      currency: scope.currency,
      toleranceMicros,
      totals: { tollgateMicros, microsoftMicros, differenceMicros: microsoftMicros - tollgateMicros },
      legs: {
        rated: sum((r) => r.ratedLegs),
        compared,
        matched: compared - differing,
        differing,
        otherCurrency: causes.currency,
        unreconciled: sum((r) => r.unreconciledLegs),
        unreconciledTollgateMicros: sum((r) => r.unreconciledTollgateMicros),
      },
      causes,
      meetingCounts: { compared: meetingRows.filter((r) => r.comparedLegs > 0 && r.conferenceId !== null).length, differing: meetings.filter((m) => m.conferenceId !== null).length },
      meetings,
      differingLegs: legs,
    });
  }

  /** 'final' once every rated leg of the meeting carries Microsoft's charge; 'estimated' until then. */
  async meetingStatus(tenantId: string, conferenceId: string): Promise<MeetingCostStatus> {
    const counts = await meetingReconciliationCounts(this.store.db, tenantId, [conferenceId]);
    return meetingCostStatusOf(counts.get(conferenceId) ?? { ratedLegs: 0, legsWithMicrosoftCharge: 0 });
  }
}
