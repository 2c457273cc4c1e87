import type { DialOutPolicyName } from '../billing/dial-out-policy';
import { formatMoney, type Micros } from '../billing/money';
import { organizerProfile } from '../directory/organizer-profile';
import { failure, ok, type Outcome } from '../outcome';
import { loadRateCard } from '../rates/rate-card-store';
import { findSubscriptionPrice, listLegsToReplay, listTenantUsers, upsertSubscriptionPrice } from '../store/advisor-store';
import { audit } from '../store/audit-store';
import type { Store } from '../store/database';
import { findTenant } from '../store/tenant-store';
import type { Clock } from '../time/clock';
import { adviceWindow, DEFAULT_ADVICE_MONTHS } from './advice-window';
import type { AdvisedPlan, Advice, AdvisorInput } from './advisor-model';
import { advise, type AdviseOptions } from './search';

export interface AdviseRequest extends AdviseOptions {
  /** Whole calendar months before `now`'s month; default 3. */
  months?: number;
  now?: Date;
}

/** The single switch that saves the most, for the monthly digest. */
export interface TopSaving {
  userId: string;
  displayName: string | null;
  upn: string | null;
  from: AdvisedPlan;
  to: AdvisedPlan;
  savingPerMonthMicros: Micros;
  /** Every recommended switch together. */
  totalSavingPerMonthMicros: Micros;
  switches: number;
  currency: string;
  months: string[];
  /** One sentence for the digest, in en-US. */
  text: string;
}

const PLAN_WORDS: Record<AdvisedPlan, string> = { subscription: 'the Audio Conferencing subscription', ppm: 'pay-per-minute' };

/**
 * The license advisor over the store: loads a tenant's settings, users and the legs of the last months, and hands
 * them to the pure search (search.ts). The only file of src/advisor/ that does I/O. Switches are applied elsewhere,
 * through Directory.setLicense with adjustPoolLicenses (the bot's advisor card; audited).
 */
export class Advisor {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** What one subscription license costs a month (micros of the tenant's currency), or null when not set. */
  async subscriptionPrice(tenantId: string): Promise<number | null> {
    return findSubscriptionPrice(this.store.db, tenantId);
  }

  /** Sets the subscription's monthly price per license, audited. */
  async setSubscriptionPrice(tenantId: string, micros: Micros, actor: string): Promise<Outcome<{ before: number | null; after: number; currency: string }>> {
    if (!Number.isSafeInteger(micros) || micros <= 0) return failure('invalid_price', 'The subscription price must be more than 0.');
    const at = this.clock.now().toISOString();
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      const tenant = await findTenant(tx, tenantId);
      if (!tenant) return failure('unknown_tenant');
      const before = await findSubscriptionPrice(tx, tenantId);
      await upsertSubscriptionPrice(tx, tenantId, micros, at);
      await audit(tx, { tenantId, actor, action: 'advisor.price.set', detail: { micros, before }, at });
      return ok({ before, after: micros, currency: tenant.currency });
    });
  }

  /** Re-rates the tenant's legs of the last months under other licenses and finds the cheapest assignment. */
  async advise(tenantId: string, request: AdviseRequest = {}): Promise<Outcome<Advice>> {
    const input = await this.load(tenantId, request.months ?? DEFAULT_ADVICE_MONTHS, request.now ?? this.clock.now());
    if (!input.ok) return input;
    return ok(advise(input.value, { maxSwitches: request.maxSwitches }));
  }

  /**
   * The switch that saves the most over the last 3 months, or undefined when there is none (no saving, no price set,
   * an unknown tenant). For the monthly digest.
   */
  async topSaving(tenantId: string, now: Date): Promise<TopSaving | undefined> {
    const advice = await this.advise(tenantId, { now });
    if (!advice.ok || advice.value.savingMicros <= 0) return undefined;
    const a = advice.value;
    const top = [...a.switches].sort((x, y) => y.savingMicros - x.savingMicros)[0];
    if (!top) return undefined;
    const who = top.displayName ?? top.upn ?? top.userId;
    const money = (m: Micros) => formatMoney(m, a.currency);
    const others = a.switches.length > 1 ? ` (${a.switches.length} switches together: about ${money(a.savingPerMonthMicros)} a month)` : '';
    return {
      userId: top.userId,
      displayName: top.displayName,
      upn: top.upn,
      from: top.from,
      to: top.to,
      savingPerMonthMicros: top.savingPerMonthMicros,
      totalSavingPerMonthMicros: a.savingPerMonthMicros,
      switches: a.switches.length,
      currency: a.currency,
      months: a.months,
      text: `Moving ${who} to ${PLAN_WORDS[top.to]} would save about ${money(top.savingPerMonthMicros)} a month${others}: type advisor to see it.`,
    };
  }

  private async load(tenantId: string, monthCount: number, now: Date): Promise<Outcome<AdvisorInput>> {
    const window = adviceWindow(now, monthCount);
    if (!window.ok) return window;
    const db = this.store.db;
    const tenant = await findTenant(db, tenantId);
    if (!tenant) return failure('unknown_tenant');
    const price = await findSubscriptionPrice(db, tenantId);
    if (price === null) {
      return failure(
        'subscription_price_not_set',
        `Tell Tollgate what one Audio Conferencing subscription license costs a month first (in ${tenant.currency}): ` +
          `advisor price <amount> in Teams, or tollgate tenant subscription-price <amount> --tenant ${tenantId}.`,
      );
    }
    const [rateCard, users, legs] = await Promise.all([
      loadRateCard(db, tenant),
      listTenantUsers(db, tenantId),
      listLegsToReplay(db, tenantId, window.value.from, window.value.to),
    ]);
    return ok({
      tenantId,
      currency: tenant.currency,
      ratingTenant: { country: tenant.country, currency: tenant.currency, billingMode: tenant.billing_mode },
      globalDialOutPolicy: tenant.global_dial_out_policy as DialOutPolicyName,
      rateCard,
      poolLicenses: tenant.pool_licenses,
      priceMicros: price,
      months: window.value.months,
      users: users.map((u) => ({ id: u.aad_object_id, upn: u.upn, displayName: u.display_name, profile: organizerProfile(u) })),
      legs: legs
        .filter((l) => (l.call_type === 'conf_in' || l.call_type === 'conf_out') && l.callee_number !== null)
        .map((l) => ({
          id: l.id,
          organizerId: l.organizer_id,
          organizerUpn: l.organizer_upn,
          chargedMicros: Number(l.charge_micros),
          leg: {
            callType: l.call_type as 'conf_in' | 'conf_out',
            number: l.callee_number!,
            tollFree: l.toll_free === 1,
            durationSeconds: Number(l.duration_seconds),
            startDateTime: new Date(l.start_at),
          },
        })),
      now,
    });
  }
}
