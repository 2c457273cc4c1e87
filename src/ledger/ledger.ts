import type { Store, Tx } from '../store/database';
import { audit } from '../store/audit-store';
import {
  lastEntryOfKinds,
  listEntries,
  openLots,
  refundedForLeg,
  sumEntries,
  type LedgerEntryRow,
} from '../store/ledger-store';
import { findTenant, updateTenantSettings, type TenantRow } from '../store/tenant-store';
import { poolUsed, spendBetween } from '../store/leg-store';
import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import type { Clock } from '../time/clock';
import { TenantBook, type LegRef } from './tenant-book';
import { failure, ok, type Outcome } from '../outcome';

export interface BalanceView {
  tenantId: string;
  currency: string;
  balanceMicros: number;
  billingMode: 'prepaid' | 'postpaid';
  autoRecharge: { enabled: boolean; triggerMicros: number | null; amountMicros: number | null };
  lowBalanceAlertMicros: number | null;
  pool: { month: string; usedSeconds: number; totalSeconds: number; usedMinutes: number; totalMinutes: number };
  monthToDate: { chargeMicros: number; legs: number };
  lastFunding: { at: string; amountMicros: number; kind: string } | null;
  /** Money that expires next, and when (FIFO lots still holding funds). */
  nextExpiry: { at: string; amountMicros: number } | null;
}

export interface InvariantReport {
  tenantId: string;
  ok: boolean;
  cachedBalanceMicros: number;
  sumOfEntriesMicros: number;
  entries: number;
  lastSeq: number;
}

/** Runs in every ledger transaction after its changes, before they are written (the admin alerts, src/alerts). */
export type BookHook = (tx: Tx, tenant: TenantRow, book: TenantBook) => Promise<void>;

/**
 * Communications Credits: every change is an immutable ledger entry posted in the tenant's transaction, with the
 * cached balance and an audit row. Reads never write, except that expiry is applied before a balance is shown.
 */
export class Ledger {
  constructor(
    readonly store: Store,
    private readonly clock: Clock,
    private readonly afterBook?: BookHook,
  ) {}

  /**
   * Runs `fn` against the tenant's book inside its lock, after expiring due lots, and flushes the book.
   * Every ledger write, and intake's charges, go through here.
   */
  async withBook<T>(
    tenantId: string,
    fn: (book: TenantBook, tx: Tx, tenant: TenantRow) => Promise<Outcome<T>>,
  ): Promise<Outcome<T>> {
    const now = this.clock.now();
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      const tenant = await findTenant(tx, tenantId);
      if (!tenant) return failure('unknown_tenant');
      const book = new TenantBook(this.store, tx, tenant, now);
      await book.expireDue();
      const result = await fn(book, tx, tenant);
      // A refused change still keeps the expiries it applied: they are due whatever the caller wanted.
      if (this.afterBook && book.postedEntries.length > 0) await this.afterBook(tx, tenant, book);
      await book.flush();
      return result;
    });
  }

  async fund(tenantId: string, amountMicros: number, actor: string, memo: string | null = null) {
    if (!(amountMicros > 0)) return failure('invalid_amount', 'The amount must be more than zero.');
    return this.withBook(tenantId, async (book, tx) => {
      const entry = book.fund('funding', amountMicros, memo, actor);
      await this.audit(tx, tenantId, actor, 'credits.add', { amountMicros, memo, seq: entry.seq });
      return ok(entry);
    });
  }

  /** A correction by an admin: positive adds, negative removes. */
  async adjust(tenantId: string, amountMicros: number, actor: string, memo: string) {
    if (!memo.trim()) return failure('memo_required', 'An adjustment needs a memo that says why.');
    return this.withBook(tenantId, async (book, tx) => {
      const entry = book.adjust(amountMicros, memo, actor);
      await this.audit(tx, tenantId, actor, 'credits.adjust', { amountMicros, memo, seq: entry.seq });
      return ok(entry);
    });
  }

  /** Gives back (part of) what a leg was charged; never more than it was charged in total. */
  async refund(tenantId: string, amountMicros: number, actor: string, memo: string, legId: string | null = null) {
    if (!(amountMicros > 0)) return failure('invalid_amount', 'The amount must be more than zero.');
    if (!memo.trim()) return failure('memo_required', 'A refund needs a memo that says why.');
    return this.withBook(tenantId, async (book, tx) => {
      let legRef: LegRef | null = null;
      if (legId !== null) {
        const leg = await tx
          .selectFrom('legs')
          .select(['charge_micros', 'settled_seq'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', legId)
          .executeTakeFirst();
        if (!leg) return failure('unknown_leg', `No call leg ${legId} in this tenant.`);
        legRef = { id: legId, seq: Number(leg.settled_seq) };
        const already = await refundedForLeg(tx, tenantId, legRef);
        if (already + amountMicros > Number(leg.charge_micros)) {
          return failure('refund_exceeds_charge', 'A refund cannot be more than what the leg was charged.');
        }
      }
      const entry = book.refund(amountMicros, memo, actor, legRef);
      await this.audit(tx, tenantId, actor, 'credits.refund', { amountMicros, memo, legId, seq: entry.seq });
      return ok(entry);
    });
  }

  async setAutoRecharge(tenantId: string, triggerMicros: number, amountMicros: number, actor: string) {
    if (!(amountMicros > 0)) return failure('invalid_amount', 'The recharge amount must be more than zero.');
    if (triggerMicros < 0) return failure('invalid_amount', 'The trigger cannot be negative.');
    return this.withBook(tenantId, async (_book, tx, tenant) => {
      if (tenant.billing_mode === 'postpaid') {
        return failure('postpaid_no_auto_recharge', 'This tenant is post-paid: auto-recharge does not apply.');
      }
      await updateTenantSettings(tx, tenantId, {
        auto_recharge_trigger_micros: triggerMicros,
        auto_recharge_amount_micros: amountMicros,
      });
      await this.audit(tx, tenantId, actor, 'autorecharge.on', { triggerMicros, amountMicros });
      return ok(undefined);
    });
  }

  async disableAutoRecharge(tenantId: string, actor: string) {
    return this.withBook(tenantId, async (_book, tx) => {
      await updateTenantSettings(tx, tenantId, { auto_recharge_trigger_micros: null, auto_recharge_amount_micros: null });
      await this.audit(tx, tenantId, actor, 'autorecharge.off', {});
      return ok(undefined);
    });
  }

  async setBillingMode(tenantId: string, mode: 'prepaid' | 'postpaid', actor: string) {
    return this.withBook(tenantId, async (_book, tx) => {
      // Microsoft Customer Agreement tenants are post-paid: no auto-recharge.
      const off = mode === 'postpaid' ? { auto_recharge_trigger_micros: null, auto_recharge_amount_micros: null } : {};
      await updateTenantSettings(tx, tenantId, { billing_mode: mode, ...off });
      await this.audit(tx, tenantId, actor, 'billing-mode.set', { mode });
      return ok(undefined);
    });
  }

  /**
   * Applies due expiries (a write) and returns the balance as it stands. `known`: the tenant's row as the caller read
   * it a moment ago (a bot turn), not read again unless lots expire.
   */
  async balance(tenantId: string, known?: TenantRow): Promise<Outcome<BalanceView>> {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    const db = this.store.db;
    // The tenant's lock and a write only when a lot is due: not on every balance shown (the bot's most common
    // question). withBook looks again under the lock, so a lot another replica expires first is expired once. The
    // due lots are the open lots that expire by now (as dueLots reads them): one read for both.
    let lots = await openLots(db, tenantId);
    if (lots.some((lot) => lot.expires_at <= nowIso)) {
      const expired = await this.withBook(tenantId, async () => ok(undefined));
      if (!expired.ok) return expired;
      lots = await openLots(db, tenantId);
      known = undefined;
    }
    const tenant = known?.tenant_id === tenantId ? known : await findTenant(db, tenantId);
    if (!tenant) return failure('unknown_tenant');
    const month = poolMonth(now);
    const used = await poolUsed(db, tenantId, month);
    const total = poolSecondsFor(tenant.pool_licenses);
    const monthStart = `${month}-01T00:00:00.000Z`;
    const spend = await spendBetween(db, tenantId, monthStart, nextMonthStart(month));
    const lastFunding = await lastEntryOfKinds(db, tenantId, ['funding', 'auto_recharge']);
    const consumed = Number(tenant.funded_total_micros) - Number(tenant.balance_micros);
    let nextExpiry: BalanceView['nextExpiry'] = null;
    for (const lot of lots) {
      const left = Math.min(
        Number(lot.amount_micros),
        Math.max(0, Number(lot.cumulative_end_micros) - consumed),
      );
      if (left > 0) {
        nextExpiry = { at: lot.expires_at, amountMicros: left };
        break;
      }
    }
    return {
      ok: true,
      value: {
        tenantId,
        currency: tenant.currency,
        balanceMicros: Number(tenant.balance_micros),
        billingMode: tenant.billing_mode,
        autoRecharge: {
          enabled: tenant.auto_recharge_trigger_micros !== null,
          triggerMicros: tenant.auto_recharge_trigger_micros === null ? null : Number(tenant.auto_recharge_trigger_micros),
          amountMicros: tenant.auto_recharge_amount_micros === null ? null : Number(tenant.auto_recharge_amount_micros),
        },
        lowBalanceAlertMicros: tenant.low_balance_alert_micros === null ? null : Number(tenant.low_balance_alert_micros),
        pool: { month, usedSeconds: used, totalSeconds: total, usedMinutes: used / 60, totalMinutes: total / 60 },
        monthToDate: spend,
        lastFunding: lastFunding
          ? { at: lastFunding.created_at, amountMicros: Number(lastFunding.amount_micros), kind: lastFunding.kind }
          : null,
        nextExpiry,
      },
    };
  }

  async statement(tenantId: string, range: { from?: string; to?: string } = {}): Promise<LedgerEntryRow[]> {
    return (await listEntries(this.store.db, tenantId, range)).map(normalizeEntry);
  }

  /** The ledger's own proof: the cached balance equals the sum of the immutable entries. */
  async checkInvariant(tenantId: string): Promise<InvariantReport | undefined> {
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      const tenant = await findTenant(tx, tenantId);
      if (!tenant) return undefined;
      const { sum, count, lastSeq } = await sumEntries(tx, tenantId);
      const cached = Number(tenant.balance_micros);
      return {
        tenantId,
        ok: cached === sum && lastSeq === Number(tenant.last_entry_seq) && count === lastSeq,
        cachedBalanceMicros: cached,
        sumOfEntriesMicros: sum,
        entries: count,
        lastSeq,
      };
    });
  }

  private async audit(tx: Tx, tenantId: string, actor: string, action: string, detail: unknown) {
    await audit(tx, { tenantId, actor, action, detail, at: this.clock.now().toISOString() });
  }
}

function normalizeEntry(e: LedgerEntryRow): LedgerEntryRow {
  return { ...e, seq: Number(e.seq), amount_micros: Number(e.amount_micros), balance_after_micros: Number(e.balance_after_micros) };
}

export function nextMonthStart(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString();
}
