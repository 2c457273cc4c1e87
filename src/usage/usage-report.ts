import { nextMonthStart } from '../ledger/ledger';
import type { Store } from '../store/database';
import { spendBy, spendByDay, spendByKind, type SpendRow } from '../store/report-store';
import { findUsers } from '../store/user-store';

export type ReportPeriod =
  | { kind: 'this_month' }
  | { kind: 'last_month' }
  | { kind: 'days'; days: number }
  | { kind: 'month'; month: string }
  /** An explicit UTC range, e.g. a card refreshing the period it showed. */
  | { kind: 'range'; from: string; to: string; label: string };

export interface PeriodRange {
  label: string;
  from: string;
  to: string;
}

const MONTHS = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** The UTC range a period covers, ending now for open periods. */
export function periodRange(period: ReportPeriod, now: Date): PeriodRange {
  const month = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  const label = (m: string) => MONTHS.format(new Date(`${m}-01T00:00:00Z`));
  switch (period.kind) {
    case 'this_month': {
      const m = month(now);
      return { label: `${label(m)} (to date)`, from: `${m}-01T00:00:00.000Z`, to: nextMonthStart(m) };
    }
    case 'last_month': {
      const m = month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
      return { label: label(m), from: `${m}-01T00:00:00.000Z`, to: nextMonthStart(m) };
    }
    case 'days':
      return { label: `Last ${period.days} days`, from: new Date(now.getTime() - period.days * 86_400_000).toISOString(), to: new Date(now.getTime() + 1).toISOString() };
    case 'month':
      return { label: label(period.month), from: `${period.month}-01T00:00:00.000Z`, to: nextMonthStart(period.month) };
    case 'range':
      return { label: period.label, from: period.from, to: period.to };
  }
}

/** Month-to-date spend as the balance card splits it. */
export interface SpendSplit {
  tollFreeDialInMicros: number;
  dialOutMicros: number;
  /** Toll dial-in charged per minute: only pay-per-minute organizers pay for it. */
  ppmDialInMicros: number;
  totalMicros: number;
  legs: number;
}

export interface UsageReport {
  range: PeriodRange;
  totalMicros: number;
  legs: number;
  byKind: SpendSplit;
  byCountry: SpendRow[];
  topOrganizers: (SpendRow & { name: string })[];
  topMeetings: SpendRow[];
  daily: { day: string; chargeMicros: number }[];
}

export class UsageReports {
  constructor(private readonly store: Store) {}

  async split(tenantId: string, from: string, to: string): Promise<SpendSplit> {
    const rows = await spendByKind(this.store.db, tenantId, from, to);
    const split: SpendSplit = { tollFreeDialInMicros: 0, dialOutMicros: 0, ppmDialInMicros: 0, totalMicros: 0, legs: 0 };
    for (const r of rows) {
      if (r.callType === 'conf_out') split.dialOutMicros += r.chargeMicros;
      else if (r.tollFree) split.tollFreeDialInMicros += r.chargeMicros;
      else split.ppmDialInMicros += r.chargeMicros;
      split.totalMicros += r.chargeMicros;
      split.legs += r.legs;
    }
    return split;
  }

  /** Days the balance lasts at the average daily spend of the last 28 days; null when nothing was spent. */
  async daysLeft(tenantId: string, balanceMicros: number, now: Date): Promise<number | null> {
    const from = new Date(now.getTime() - 28 * 86_400_000).toISOString();
    const split = await this.split(tenantId, from, now.toISOString());
    if (split.totalMicros <= 0) return null;
    if (balanceMicros <= 0) return 0;
    return Math.floor(balanceMicros / (split.totalMicros / 28));
  }

  async report(tenantId: string, period: ReportPeriod, now: Date): Promise<UsageReport> {
    const range = periodRange(period, now);
    const db = this.store.db;
    const [byKind, byCountry, organizers, topMeetings, daily] = await Promise.all([
      this.split(tenantId, range.from, range.to),
      spendBy(db, tenantId, range.from, range.to, 'destination_country', 10),
      spendBy(db, tenantId, range.from, range.to, 'organizer_id', 5),
      spendBy(db, tenantId, range.from, range.to, 'conference_id', 5),
      spendByDay(db, tenantId, range.from, range.to),
    ]);
    const users = await findUsers(db, tenantId, organizers.map((o) => o.key).filter(Boolean));
    const names = new Map(users.map((u) => [u.aad_object_id, u.display_name ?? u.upn ?? u.aad_object_id]));
    return {
      range,
      totalMicros: byKind.totalMicros,
      legs: byKind.legs,
      byKind,
      byCountry,
      topOrganizers: organizers.map((o) => ({ ...o, name: names.get(o.key) ?? o.key })),
      topMeetings,
      daily,
    };
  }
}
