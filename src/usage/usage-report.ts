import { nextMonthStart } from '../ledger/ledger';
import type { Store } from '../store/database';
import { spendBy, type SpendRow } from '../store/report-store';
import { meetingSpendIn, meetingsByCharge, spendBreakdown, spendBreakdowns } from '../store/spend-rollup-store';
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

/** The top groups by charge, highest first; equal charges by key (code-unit order, the same on both engines). */
function ranked(groups: Iterable<SpendRow>, limit?: number): SpendRow[] {
  const out = [...groups].sort((a, b) => b.chargeMicros - a.chargeMicros || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return limit === undefined ? out : out.slice(0, limit);
}

/** Split by kind: `kind` groups are keyed `${call_type}|${toll_free}` (spend-rollup-store.ts). */
function splitOf(kinds: ReadonlyMap<string, SpendRow>): SpendSplit {
  const split: SpendSplit = { tollFreeDialInMicros: 0, dialOutMicros: 0, ppmDialInMicros: 0, totalMicros: 0, legs: 0 };
  for (const g of kinds.values()) {
    const [callType, tollFree] = g.key.split('|');
    if (callType === 'conf_out') split.dialOutMicros += g.chargeMicros;
    else if (tollFree === '1') split.tollFreeDialInMicros += g.chargeMicros;
    else split.ppmDialInMicros += g.chargeMicros;
    split.totalMicros += g.chargeMicros;
    split.legs += g.legs;
  }
  return split;
}

/** The 28 days up to now over which daysLeft averages the spend. */
function lastDays(now: Date): [string, string] {
  return [new Date(now.getTime() - 28 * 86_400_000).toISOString(), now.toISOString()];
}

function daysLeftAt(balanceMicros: number, last28: SpendSplit): number | null {
  if (last28.totalMicros <= 0) return null;
  if (balanceMicros <= 0) return 0;
  return Math.floor(balanceMicros / (last28.totalMicros / 28));
}

/** As many meetings as the usage card shows (bot/cards/usage-report-card.ts TOP_MEETINGS). */
const TOP_MEETINGS = 5;
/** Past this many meetings read for the top meetings of a period, the legs of the period are grouped instead. */
const MAX_MEETING_CANDIDATES = 16_384;

/**
 * Spend over a period, from the spend rollup (store/spend-rollup-store.ts): a month of a tenant with a million legs
 * is a few thousand rollup cells, not a million legs. Every figure equals the same sums over the rated legs.
 */
export class UsageReports {
  constructor(private readonly store: Store) {}

  async split(tenantId: string, from: string, to: string): Promise<SpendSplit> {
    return splitOf((await spendBreakdown(this.store.db, tenantId, from, to, ['kind'])).kind!);
  }

  /** Days the balance lasts at the average daily spend of the last 28 days; null when nothing was spent. */
  async daysLeft(tenantId: string, balanceMicros: number, now: Date): Promise<number | null> {
    return daysLeftAt(balanceMicros, await this.split(tenantId, ...lastDays(now)));
  }

  /**
   * What the balance card shows besides the balance: split(from, to) and daysLeft(balanceMicros, now), the same
   * figures, read together (two statements instead of up to six; spendBreakdowns).
   */
  async balanceSpend(tenantId: string, from: string, to: string, balanceMicros: number, now: Date): Promise<{ spend: SpendSplit; daysLeft: number | null }> {
    const [recentFrom, recentTo] = lastDays(now);
    const [spend, recent] = await spendBreakdowns(this.store.db, tenantId, [{ from, to }, { from: recentFrom, to: recentTo }], ['kind']);
    return { spend: splitOf(spend!.kind!), daysLeft: daysLeftAt(balanceMicros, splitOf(recent!.kind!)) };
  }

  async report(tenantId: string, period: ReportPeriod, now: Date): Promise<UsageReport> {
    const range = periodRange(period, now);
    const db = this.store.db;
    const groups = await spendBreakdown(db, tenantId, range.from, range.to, ['kind', 'country', 'organizer', 'day', 'meeting']);
    const byKind = splitOf(groups.kind!);
    const organizers = ranked(groups.organizer!.values(), 5);
    const daily = [...groups.day!.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((d) => ({ day: d.key, chargeMicros: d.chargeMicros }));
    const users = await findUsers(db, tenantId, organizers.map((o) => o.key).filter(Boolean));
    const names = new Map(users.map((u) => [u.aad_object_id, u.display_name ?? u.upn ?? u.aad_object_id]));
    return {
      range,
      totalMicros: byKind.totalMicros,
      legs: byKind.legs,
      byKind,
      byCountry: ranked(groups.country!.values(), 10),
      topOrganizers: organizers.map((o) => ({ ...o, name: names.get(o.key) ?? o.key })),
      topMeetings: await this.topMeetings(tenantId, range, groups.meeting!),
      daily,
    };
  }

  /**
   * The period's most expensive meetings (key '' = the legs outside any meeting), without grouping the period's
   * legs: meetings are read by their total charge, highest first, in growing batches, and each one's part in the
   * period summed from its own legs. A meeting's total bounds its part, so once the fifth best part is above the
   * total of the last meeting read, no meeting not yet read can enter the top (threshold algorithm). When the
   * totals reach zero first (fewer than five meetings cost anything in the period, and ties at zero are ordered by
   * id), or past MAX_MEETING_CANDIDATES meetings, the period's legs are grouped instead.
   */
  private async topMeetings(tenantId: string, range: PeriodRange, inMeeting: ReadonlyMap<string, SpendRow>): Promise<SpendRow[]> {
    const db = this.store.db;
    const found: SpendRow[] = [];
    const outside = inMeeting.get('0');
    if (outside) found.push({ ...outside, key: '' });
    if (!inMeeting.has('1')) return found;
    let read = 0;
    for (let limit = 64; ; limit *= 4) {
      const meetings = await meetingsByCharge(db, tenantId, limit);
      const fresh = meetings.slice(read).map((m) => m.conferenceId);
      found.push(...(await meetingSpendIn(db, tenantId, fresh, range.from, range.to)));
      read = meetings.length;
      if (meetings.length < limit) return ranked(found, TOP_MEETINGS);
      const bound = meetings[meetings.length - 1]!.chargeMicros;
      const top = ranked(found, TOP_MEETINGS);
      if (top.length === TOP_MEETINGS && top[TOP_MEETINGS - 1]!.chargeMicros > bound) return top;
      if (bound <= 0 || limit >= MAX_MEETING_CANDIDATES) {
        return ranked(await spendBy(db, tenantId, range.from, range.to, 'conference_id', TOP_MEETINGS));
      }
    }
  }
}
