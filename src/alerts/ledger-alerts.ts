import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import type { Reason } from '../billing/reasons';
import type { TenantBook } from '../ledger/tenant-book';
import { enqueueAdminNotice, listAdminIds } from '../notify/admin-notices';
import type { Logger } from '../observability/logger';
import type { Tx } from '../store/database';
import type { LedgerEntryRow } from '../store/ledger-store';
import { poolUsed, type LegRow } from '../store/leg-store';
import type { TenantRow } from '../store/tenant-store';

/**
 * The alerts admins get about the money (issue 3: "balance below the low-balance alert, auto-recharge done, balance
 * reached zero, dial-out pool at 80 % and 100 %, anomaly legs; each alert once per crossing, not once per leg").
 *
 * They are found where the change happens, in the ledger's or intake's transaction, and queued there as admin
 * notices (src/notify/admin-notices.ts): the alert commits with the change that caused it or not at all, and the
 * notice's key names the crossing, so a retried or replayed transaction never queues it twice. The card is rendered
 * when it is delivered (src/alerts/alert-notices.ts) and shows the state of that moment beside the crossing.
 */
export const LEDGER_ALERT_NOTICE = 'ledger_alert';

/** Pool thresholds, in percent of the month's pool (DOMAIN.md: admins are alerted at 80 % and 100 %). */
export const POOL_THRESHOLDS = [80, 100] as const;

/** The legs' flags that mean "this call broke a policy or license rule" (the anomaly alert). */
export const ANOMALY_FLAGS: readonly Reason[] = [
  'unknown_organizer',
  'no_audio_conferencing_license',
  'tollfree_disabled_for_organizer',
  'dialout_blocked_by_policy',
  'dialout_domestic_only',
  'dialout_zone_a_only',
  'no_communications_credits_license',
];

/**
 * Anomalies and pool crossings are alerted only for recent calls: a Graph sync or an admin-center import of last
 * quarter's records is history, already visible in `reconcile` and `usage`, not news to interrupt an admin with.
 * Microsoft's records arrive 24 to 48 hours after a call, so a week is comfortably "recent".
 */
export const ANOMALY_RECENT_DAYS = 7;

/** What an alert is about, encoded in the notice's key (and so in its dedupe key). */
export type LedgerAlert =
  /** The balance went from at or above the tenant's low-balance alert to below it; seq: the transaction's last entry. */
  | { kind: 'low_balance'; seq: number }
  /** A prepaid balance went from above zero to zero or below; seq: the transaction's last entry. */
  | { kind: 'balance_zero'; seq: number }
  /** Auto-recharge added funds; seq: its entry (the first, when one transaction fired more than once). */
  | { kind: 'auto_recharge'; seq: number }
  /** The month's dial-out pool reached `percent` of `totalSeconds` (a pool resized later can cross again). */
  | { kind: 'pool'; month: string; percent: number; totalSeconds: number }
  /** Calls that started on `day` (UTC) broke a policy or license rule. */
  | { kind: 'anomaly'; day: string };

export function alertKey(a: LedgerAlert): string {
  switch (a.kind) {
    case 'low_balance':
    case 'balance_zero':
    case 'auto_recharge':
      return `${a.kind}:${a.seq}`;
    case 'pool':
      return `pool:${a.month}:${a.percent}:${a.totalSeconds}`;
    case 'anomaly':
      return `anomaly:${a.day}`;
  }
}

/** The alert a notice key names, or undefined for a key this version does not know. */
export function parseAlertKey(key: string): LedgerAlert | undefined {
  const parts = key.split(':');
  const int = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  switch (parts[0]) {
    case 'low_balance':
    case 'balance_zero':
    case 'auto_recharge': {
      const seq = int(parts[1]);
      return parts.length === 2 && seq !== undefined ? { kind: parts[0], seq } : undefined;
    }
    case 'pool': {
      const [, month, p, t] = parts;
      const percent = int(p);
      const totalSeconds = int(t);
      return parts.length === 4 && month && /^\d{4}-\d{2}$/.test(month) && percent !== undefined && totalSeconds !== undefined
        ? { kind: 'pool', month, percent, totalSeconds }
        : undefined;
    }
    case 'anomaly':
      return parts.length === 2 && /^\d{4}-\d{2}-\d{2}$/.test(parts[1]!) ? { kind: 'anomaly', day: parts[1]! } : undefined;
    default:
      return undefined;
  }
}

/**
 * The balance alerts of one ledger transaction, from its opening balance and the entries it posted. Judged on the
 * transaction as a whole: a chunk of legs that dips below the alert and is topped up by auto-recharge in the same
 * transaction says "auto-recharge done", not "low balance". Reaching zero says more than being low: it is sent alone.
 */
export function balanceAlerts(
  tenant: Pick<TenantRow, 'billing_mode' | 'low_balance_alert_micros'>,
  openingMicros: number,
  entries: readonly Pick<LedgerEntryRow, 'seq' | 'kind' | 'balance_after_micros'>[],
): LedgerAlert[] {
  const last = entries[entries.length - 1];
  if (!last) return [];
  const alerts: LedgerAlert[] = [];
  const recharge = entries.find((e) => e.kind === 'auto_recharge');
  if (recharge) alerts.push({ kind: 'auto_recharge', seq: Number(recharge.seq) });
  const closing = Number(last.balance_after_micros);
  const seq = Number(last.seq);
  if (tenant.billing_mode === 'prepaid' && openingMicros > 0 && closing <= 0) {
    alerts.push({ kind: 'balance_zero', seq });
    return alerts;
  }
  const threshold = tenant.low_balance_alert_micros === null ? null : Number(tenant.low_balance_alert_micros);
  if (threshold !== null && openingMicros >= threshold && closing < threshold) alerts.push({ kind: 'low_balance', seq });
  return alerts;
}

/** The pool thresholds crossed by a month's use going from `before` to `after` seconds: only the highest is sent. */
export function poolAlert(month: string, before: number, after: number, totalSeconds: number): LedgerAlert | undefined {
  if (totalSeconds <= 0 || after <= before) return undefined;
  let crossed: number | undefined;
  for (const percent of POOL_THRESHOLDS) {
    const line = (totalSeconds * percent) / 100;
    if (before < line && after >= line) crossed = percent;
  }
  return crossed === undefined ? undefined : { kind: 'pool', month, percent: crossed, totalSeconds };
}

const DAY_MS = 86_400_000;

/** The days (UTC) of recent legs that broke a policy or license rule. */
export function anomalyDays(legs: readonly Pick<LegRow, 'flags' | 'start_at'>[], at: string): string[] {
  const since = Date.parse(at) - ANOMALY_RECENT_DAYS * DAY_MS;
  const days = new Set<string>();
  for (const l of legs) {
    if (!l.flags || !l.flags.split(',').some((f) => (ANOMALY_FLAGS as readonly string[]).includes(f))) continue;
    if (Date.parse(l.start_at) < since) continue;
    days.add(l.start_at.slice(0, 10));
  }
  return [...days].sort();
}

/**
 * Finds the alerts in the ledger's and intake's transactions and queues one notice per admin for each. Wired in
 * createTollgate: `afterBook` on every ledger transaction, `onSettled` on every intake chunk.
 */
export class LedgerAlerts {
  private readonly bootstrapAdmins: readonly string[];

  constructor(
    private readonly logger: Logger,
    options: { bootstrapAdmins?: readonly string[] } = {},
  ) {
    this.bootstrapAdmins = options.bootstrapAdmins ?? [];
  }

  readonly afterBook = async (tx: Tx, tenant: TenantRow, book: TenantBook): Promise<void> => {
    const alerts = balanceAlerts(tenant, book.openingBalanceMicros, book.postedEntries);
    if (alerts.length > 0) await this.queue(tx, tenant.tenant_id, alerts, book.postedEntries[book.postedEntries.length - 1]!.created_at);
  };

  /** Intake's settled-legs hook: the pool's crossings this month and the chunk's anomaly legs. */
  readonly onSettled = async (tx: Tx, tenant: TenantRow, legs: readonly LegRow[], _organizers: unknown, _rateCard: unknown, at: string): Promise<void> => {
    const alerts: LedgerAlert[] = [];
    const thisMonth = poolMonth(new Date(at));
    let drawn = 0;
    for (const l of legs) if (l.pool_seconds > 0 && l.start_at.startsWith(thisMonth)) drawn += Number(l.pool_seconds);
    if (drawn > 0) {
      // The pool row already holds this chunk's use: it was written in this transaction, under the tenant's lock.
      const after = await poolUsed(tx, tenant.tenant_id, thisMonth);
      const crossed = poolAlert(thisMonth, after - drawn, after, poolSecondsFor(tenant.pool_licenses));
      if (crossed) alerts.push(crossed);
    }
    for (const day of anomalyDays(legs, at)) alerts.push({ kind: 'anomaly', day });
    if (alerts.length > 0) await this.queue(tx, tenant.tenant_id, alerts, at);
  };

  private async queue(tx: Tx, tenantId: string, alerts: LedgerAlert[], at: string): Promise<void> {
    const adminIds = await listAdminIds(tx, tenantId, this.bootstrapAdmins);
    for (const alert of alerts) {
      const queued = await enqueueAdminNotice(tx, { tenantId, notice: LEDGER_ALERT_NOTICE, key: alertKey(alert), adminIds, at });
      if (queued > 0) this.logger.info({ tenantId, alert, adminsNotified: queued }, `admin alert: ${alert.kind}`);
    }
  }
}
