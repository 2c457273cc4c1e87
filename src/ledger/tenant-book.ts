import type { Store, Tx } from '../store/database';
import type { LedgerEntryRow, FundingLotRow } from '../store/ledger-store';
import { dueLots, insertEntries, insertLots, markLotExpired } from '../store/ledger-store';
import { updateTenantCounters, type TenantRow } from '../store/tenant-store';

/** Funding lots expire 12 months after purchase (DOMAIN.md). */
export const LOT_LIFETIME_MONTHS = 12;

export function lotExpiry(purchasedAt: Date): Date {
  const d = new Date(purchasedAt.getTime());
  d.setUTCMonth(d.getUTCMonth() + LOT_LIFETIME_MONTHS);
  return d;
}

export type EntryKind = LedgerEntryRow['kind'];

/** The leg an entry is about: its id, and its settled_seq (by which its entries are found, ledger_entries_leg_seq). */
export interface LegRef {
  id: string;
  seq: number;
}

/**
 * A tenant's Communications Credits book for the length of one transaction that holds the tenant's lock.
 * Entries are immutable and appended in sequence; the cached balance moves with every entry and is written back,
 * with the entries, by flush() in the same transaction, so `balance == sum(entries)` always holds in the database.
 *
 * FIFO expiry from cumulative sums: lots are numbered in purchase order and lot i covers the cumulative funding
 * interval (end_i - amount_i, end_i]. Everything that left the balance so far, `consumed = fundedTotal - balance`,
 * used lots oldest first, so what is left of lot i is clamp(end_i - consumed, 0, amount_i).
 */
export class TenantBook {
  private balance: number;
  private seq: number;
  private fundedTotal: number;
  private legSeq: number;
  private readonly entries: LedgerEntryRow[] = [];
  private readonly lots: FundingLotRow[] = [];
  private autoRecharges = 0;
  /** `now` as stored on every entry and lot: formatted once, not per entry. */
  private readonly nowIso: string;

  constructor(
    private readonly store: Store,
    private readonly tx: Tx,
    readonly tenant: TenantRow,
    private readonly now: Date,
  ) {
    this.balance = Number(tenant.balance_micros);
    this.seq = Number(tenant.last_entry_seq);
    this.fundedTotal = Number(tenant.funded_total_micros);
    this.legSeq = Number(tenant.last_leg_seq);
    this.nowIso = now.toISOString();
  }

  get balanceMicros(): number {
    return this.balance;
  }

  get autoRechargesFired(): number {
    return this.autoRecharges;
  }

  /** The balance when the transaction began, before anything in it (expiry included). */
  get openingBalanceMicros(): number {
    return Number(this.tenant.balance_micros);
  }

  /** The entries posted in this transaction so far, in sequence. */
  get postedEntries(): readonly LedgerEntryRow[] {
    return this.entries;
  }

  nextLegSeq(): number {
    this.legSeq += 1;
    return this.legSeq;
  }

  /** A purchase: a new funding lot that expires 12 months later. */
  fund(kind: 'funding' | 'auto_recharge', amount: number, memo: string | null, actor: string | null): LedgerEntryRow {
    if (!(amount > 0)) throw new Error(`funding must be positive, got ${amount}`);
    const entry = this.post(kind, amount, { memo, actor });
    this.fundedTotal += amount;
    this.lots.push({
      tenant_id: this.tenant.tenant_id,
      entry_seq: entry.seq,
      amount_micros: amount,
      cumulative_end_micros: this.fundedTotal,
      purchased_at: this.nowIso,
      expires_at: lotExpiry(this.now).toISOString(),
      expired_at: null,
    });
    return entry;
  }

  /**
   * A call leg's charge. A prepaid balance may go below zero here: the call happened. Auto-recharge fires inside
   * this transaction when this debit takes the balance from at-or-above the trigger to below it, so it fires once per
   * crossing however many replicas are charging.
   */
  charge(amount: number, leg: LegRef, memo: string | null = null): LedgerEntryRow | undefined {
    if (amount < 0) throw new Error(`charge must not be negative, got ${amount}`);
    if (amount === 0) return undefined;
    const before = this.balance;
    const entry = this.post('charge', -amount, { leg, memo });
    this.maybeAutoRecharge(before);
    return entry;
  }

  refund(amount: number, memo: string, actor: string, leg: LegRef | null): LedgerEntryRow {
    if (!(amount > 0)) throw new Error(`refund must be positive, got ${amount}`);
    return this.post('refund', amount, { memo, actor, leg });
  }

  /** An admin correction, either sign. A negative one can cross the auto-recharge trigger like a charge. */
  adjust(amount: number, memo: string, actor: string): LedgerEntryRow {
    if (amount === 0 || !Number.isSafeInteger(amount)) throw new Error(`adjustment must be a non-zero integer`);
    const before = this.balance;
    const entry = this.post('adjustment', amount, { memo, actor });
    if (amount < 0) this.maybeAutoRecharge(before);
    return entry;
  }

  /** Expires every lot whose 12 months are up, oldest first, posting what was left of each. */
  async expireDue(): Promise<number> {
    const due = await dueLots(this.tx, this.tenant.tenant_id, this.now.toISOString());
    let expired = 0;
    for (const lot of due) {
      const consumed = this.fundedTotal - this.balance;
      const end = Number(lot.cumulative_end_micros);
      const amount = Number(lot.amount_micros);
      const left = Math.min(amount, Math.max(0, end - consumed));
      if (left > 0) {
        this.post('expiry', -left, { memo: `funds bought ${lot.purchased_at.slice(0, 10)} expired unused` });
        expired += left;
      }
      await markLotExpired(this.tx, this.tenant.tenant_id, Number(lot.entry_seq), this.now.toISOString());
    }
    return expired;
  }

  /** Writes the entries, lots and counters. Call once, at the end of the transaction. */
  async flush(): Promise<void> {
    await insertEntries(this.store, this.tx, this.entries);
    await insertLots(this.tx, this.lots);
    await updateTenantCounters(this.tx, this.tenant.tenant_id, {
      balance_micros: this.balance,
      last_entry_seq: this.seq,
      funded_total_micros: this.fundedTotal,
      last_leg_seq: this.legSeq,
    });
  }

  private maybeAutoRecharge(before: number): void {
    const trigger = this.tenant.auto_recharge_trigger_micros;
    const amount = this.tenant.auto_recharge_amount_micros;
    if (this.tenant.billing_mode !== 'prepaid' || trigger === null || amount === null) return;
    if (before >= Number(trigger) && this.balance < Number(trigger)) {
      this.fund('auto_recharge', Number(amount), `auto-recharge: balance fell below the trigger`, 'auto-recharge');
      this.autoRecharges += 1;
    }
  }

  private post(
    kind: EntryKind,
    amount: number,
    extra: { memo?: string | null; actor?: string | null; leg?: LegRef | null },
  ): LedgerEntryRow {
    if (!Number.isSafeInteger(amount)) throw new Error(`ledger amounts are integer micros, got ${amount}`);
    this.seq += 1;
    this.balance += amount;
    const entry: LedgerEntryRow = {
      tenant_id: this.tenant.tenant_id,
      seq: this.seq,
      kind,
      amount_micros: amount,
      balance_after_micros: this.balance,
      memo: extra.memo ?? null,
      actor: extra.actor ?? null,
      leg_id: extra.leg ? extra.leg.id : null,
      leg_seq: extra.leg ? extra.leg.seq : null,
      created_at: this.nowIso,
    };
    this.entries.push(entry);
    return entry;
  }
}
