import { poolSecondsFor } from '../billing/dial-out-pool';
import { nextMonthStart } from '../ledger/ledger';
import { isMonth, monthOf } from '../reconciliation/reconciliation';
import { failure, ok, type Outcome } from '../outcome';
import { findMeetingCards } from '../store/bot-store';
import type { Store } from '../store/database';
import { poolUsed } from '../store/leg-store';
import type { SpendRow } from '../store/report-store';
import { findTenant } from '../store/tenant-store';
import type { SpendSplit, UsageReports } from '../usage/usage-report';

/** The admin notice (notify/admin-notices.ts) the digest goes out as; its key is the month, YYYY-MM. */
export const MONTHLY_DIGEST_NOTICE = 'monthly_digest';

/** The calendar month before `month` (YYYY-MM). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return monthOf(new Date(Date.UTC(y, m - 2, 1)));
}

/** The calendar month a period names, at `now`: this month, last month, or the month itself. */
export function monthOfPeriod(period: { kind: 'this_month' } | { kind: 'last_month' } | { kind: 'month'; month: string }, now: Date): string {
  if (period.kind === 'month') return period.month;
  const thisMonth = monthOf(now);
  return period.kind === 'this_month' ? thisMonth : previousMonth(thisMonth);
}

/** The first instant of `month` and of the month after it (ISO, UTC): the month is [from, to). */
export function monthRange(month: string): { from: string; to: string } {
  return { from: `${month}-01T00:00:00.000Z`, to: nextMonthStart(month) };
}

/**
 * The advisor's best saving (issue 6) as the digest shows it: one sentence. Anything with a `text` fits, so the
 * advisor's own result can be handed over as it is.
 */
export interface DigestSaving {
  text: string;
}

/** Finds the tenant's top saving at `now`; none by default. */
export type TopSavingFinder = (tenantId: string, now: Date) => Promise<DigestSaving | null | undefined>;

export const noTopSaving: TopSavingFinder = async () => undefined;

export const DIGEST_TOP_MEETINGS = 3;
export const DIGEST_TOP_ORGANIZERS = 3;

export interface MonthlyDigest {
  tenantId: string;
  /** YYYY-MM. */
  month: string;
  /** Rated legs that started in the month (UTC), as the usage report sums them. */
  totalMicros: number;
  legs: number;
  byKind: SpendSplit;
  previous: { month: string; totalMicros: number; legs: number };
  /** totalMicros − previous.totalMicros. */
  changeMicros: number;
  topMeetings: (SpendRow & { title: string | null })[];
  topOrganizers: (SpendRow & { name: string })[];
  /** The dial-out pool of the month: minutes drawn, and the pool the tenant's licenses give today. */
  pool: { usedSeconds: number; totalSeconds: number };
  topSaving: DigestSaving | null;
}

/**
 * Last month at a glance, for the admins: spend, the change from the month before, the top meetings and organizers,
 * and the dial-out pool. Built from the usage report's own queries, so its figures are the `usage` card's.
 */
export class MonthlyDigests {
  constructor(
    private readonly store: Store,
    private readonly reports: UsageReports,
    private readonly topSaving: TopSavingFinder = noTopSaving,
  ) {}

  async digest(tenantId: string, month: string, now: Date): Promise<Outcome<MonthlyDigest>> {
    if (!isMonth(month)) return failure('invalid_month', `"${month}" is not a month: use YYYY-MM, e.g. 2026-10.`);
    const db = this.store.db;
    const tenant = await findTenant(db, tenantId);
    if (!tenant) return failure('unknown_tenant');
    const before = previousMonth(month);
    const prior = monthRange(before);
    const [report, previous, used, saving] = await Promise.all([
      this.reports.report(tenantId, { kind: 'month', month }, now),
      this.reports.split(tenantId, prior.from, prior.to),
      poolUsed(db, tenantId, month),
      this.topSaving(tenantId, now),
    ]);
    const meetings = report.topMeetings.slice(0, DIGEST_TOP_MEETINGS);
    const cards = await findMeetingCards(db, tenantId, meetings.map((m) => m.key).filter(Boolean));
    const titles = new Map(cards.filter((c) => c.title).map((c) => [c.conference_id, c.title!]));
    return ok({
      tenantId,
      month,
      totalMicros: report.totalMicros,
      legs: report.legs,
      byKind: report.byKind,
      previous: { month: before, totalMicros: previous.totalMicros, legs: previous.legs },
      changeMicros: report.totalMicros - previous.totalMicros,
      topMeetings: meetings.map((m) => ({ ...m, title: titles.get(m.key) ?? null })),
      topOrganizers: report.topOrganizers.slice(0, DIGEST_TOP_ORGANIZERS),
      pool: { usedSeconds: used, totalSeconds: poolSecondsFor(tenant.pool_licenses) },
      topSaving: saving?.text.trim() ? { text: saving.text.trim() } : null,
    });
  }
}
