import { isZoneA } from '../billing/countries';
import { chargeForSeconds, type Micros } from '../billing/money';

/**
 * One leg, Tollgate's rating beside Microsoft's billed figures: everything needed to say whether they agree and,
 * when they do not, why they most likely differ. Pure: no I/O, no clock.
 */
export interface LegCharges {
  callType: string;
  destinationCountry: string | null;
  durationSeconds: number;
  paidBy: string | null;
  billedSeconds: number;
  poolSeconds: number;
  creditSeconds: number;
  /** Tollgate's charge, connection fee included. */
  chargeMicros: Micros;
  /** Tollgate's rate in force for the leg (also when the leg cost nothing); null when none was found. */
  ratePerMinuteMicros: Micros | null;
  /** The connection fee inside chargeMicros (0 when none was charged). */
  connectionFeeMicros: Micros;
  flags: readonly string[];
  microsoft: {
    /** Graph `charge` (admin center "Charge"), micro-units of `currency`. */
    chargeMicros: Micros;
    /** Graph `connectionCharge` (admin center "Connection Fee"); null when Microsoft left it out. */
    connectionChargeMicros: Micros | null;
    /** ISO 4217; null when Microsoft left it out (then the tenant's currency is assumed). */
    currency: string | null;
    /** Graph licenseCapability: the license Microsoft billed the leg under. */
    licenseCapability: string | null;
  };
}

/**
 * The likely cause of a difference, or 'match'.
 * - rate_card: Microsoft priced the same minutes at another per-minute rate or connection fee, or charged a call
 *   Tollgate's rate card has no charge for.
 * - pool_or_license: one side counted the leg (or some of its minutes) as covered by a subscription, the dial-out
 *   pool or the US/Canada add-on, and the other charged it to credits.
 * - rounding: the same rate, but a minute's worth or less apart (Microsoft billed the exact seconds, or one
 *   increment more or less).
 * - currency: Microsoft charged in another currency than the tenant's credits: the amounts cannot be compared.
 */
export type DifferenceCause = 'match' | 'rate_card' | 'pool_or_license' | 'rounding' | 'currency';

export const DIFFERENCE_CAUSES = ['rate_card', 'pool_or_license', 'rounding', 'currency'] as const satisfies readonly Exclude<DifferenceCause, 'match'>[];

/** What exactly pointed to the cause; the words for it are in difference-words.ts. */
export type DifferenceReason =
  | 'agrees'
  | 'currency_differs'
  | 'tollgate_subscription'
  | 'tollgate_pool'
  | 'tollgate_addon'
  | 'microsoft_charged_nothing'
  | 'pool_minutes_differ'
  | 'tollgate_has_no_rate'
  | 'tollgate_charged_nothing'
  | 'connection_fee_differs'
  | 'per_minute_rate_differs'
  | 'per_second'
  | 'one_minute';

export interface LegComparison {
  cause: DifferenceCause;
  reason: DifferenceReason;
  tollgateMicros: Micros;
  /** Microsoft's charge plus its connection charge. */
  microsoftMicros: Micros;
  /** microsoftMicros − tollgateMicros: positive when Microsoft billed more. */
  differenceMicros: Micros;
  /** Tollgate's per-minute rate for the leg, when it has one. */
  tollgatePerMinuteMicros: Micros | null;
  /**
   * Microsoft's charge (without its connection charge) per minute Tollgate charged to credits: the rate Microsoft
   * implicitly applied. Null when Tollgate charged no minutes to credits.
   */
  microsoftPerMinuteMicros: Micros | null;
  /** How many minutes Microsoft charged at Tollgate's rate, when that explains its charge (pool_minutes_differ). */
  microsoftMinutes: number | null;
}

export interface CompareOptions {
  /** The tenant's currency: Microsoft's charge in any other one is not compared. */
  currency: string;
  /** Differences up to this much are agreement. Default one cent (10,000 micros). */
  toleranceMicros?: Micros;
}

/** "Differ by more than one cent": 0.01 of the currency unit, in micros. */
export const DEFAULT_TOLERANCE_MICROS = 10_000;

const FREE_PAYERS = new Set(['subscription', 'pool', 'addon']);

/** The seconds a leg is billed in when the rate card does not say (DOMAIN.md: "the unit used is the minute"). */
const MINUTE = 60;

/** Microsoft's total for a leg: its charge plus its connection charge (Graph reports the fee apart). */
export function microsoftTotal(leg: Pick<LegCharges, 'microsoft'>): Micros {
  return leg.microsoft.chargeMicros + (leg.microsoft.connectionChargeMicros ?? 0);
}

/**
 * Whether Microsoft's charge is in another currency than the tenant's. Nothing charged on either side is
 * agreement in any currency. The store's differing-legs query applies the same rule in SQL.
 */
function currencyDiffers(leg: LegCharges, currency: string): boolean {
  const c = leg.microsoft.currency;
  return c !== null && c.toUpperCase() !== currency.toUpperCase();
}

/**
 * Compares one leg's charges and names the likely cause of a difference. Rules, in order:
 * 1. both charged nothing: match;
 * 2. Microsoft charged in another currency: currency;
 * 3. |Microsoft − Tollgate| ≤ tolerance: match;
 * 4. Tollgate charged nothing: pool_or_license when Tollgate had the leg paid by the subscription, the pool or the
 *    add-on; rate_card otherwise (Tollgate found no rate, or its rate card prices the call at nothing);
 * 5. Microsoft charged nothing (Tollgate charged credits): pool_or_license;
 * 6. both charged: the per-minute parts agree → rate_card (the connection fee differs); Tollgate's rate applied to
 *    the exact seconds, or to one minute more or less, gives Microsoft's charge → rounding; Tollgate's rate applied
 *    to another whole number of minutes of a pool leg (a Zone A dial-out, or one that drew on the pool) gives it →
 *    pool_or_license (the pool had a different number of minutes left); anything else → rate_card, with the
 *    per-minute rate Microsoft implicitly applied.
 * "Gives Microsoft's charge" means within half the tolerance, so a slightly different rate is not mistaken for
 * rounding.
 */
export function compareLeg(leg: LegCharges, options: CompareOptions): LegComparison {
  const tolerance = options.toleranceMicros ?? DEFAULT_TOLERANCE_MICROS;
  const explains = (micros: Micros) => Math.abs(micros - leg.microsoft.chargeMicros) * 2 <= tolerance;
  const t = leg.chargeMicros;
  const m = microsoftTotal(leg);
  const rate = leg.ratePerMinuteMicros !== null && leg.ratePerMinuteMicros > 0 ? leg.ratePerMinuteMicros : null;
  const result = (cause: DifferenceCause, reason: DifferenceReason, extra: Partial<LegComparison> = {}): LegComparison => ({
    cause,
    reason,
    tollgateMicros: t,
    microsoftMicros: m,
    differenceMicros: m - t,
    tollgatePerMinuteMicros: leg.ratePerMinuteMicros,
    microsoftPerMinuteMicros: impliedPerMinute(leg),
    microsoftMinutes: null,
    ...extra,
  });

  if (t === 0 && m === 0) return result('match', 'agrees');
  if (currencyDiffers(leg, options.currency)) return result('currency', 'currency_differs');
  if (Math.abs(m - t) <= tolerance) return result('match', 'agrees');

  if (t === 0) {
    if (leg.paidBy !== null && FREE_PAYERS.has(leg.paidBy)) return result('pool_or_license', `tollgate_${leg.paidBy}` as DifferenceReason);
    const noRate = leg.flags.includes('rate_not_found') || leg.flags.includes('rate_currency_mismatch') || leg.ratePerMinuteMicros === null;
    return result('rate_card', noRate ? 'tollgate_has_no_rate' : 'tollgate_charged_nothing');
  }
  if (m === 0) return result('pool_or_license', 'microsoft_charged_nothing');

  const tollgateUsage = t - leg.connectionFeeMicros;
  if (explains(tollgateUsage)) return result('rate_card', 'connection_fee_differs');
  if (rate === null) return result('rate_card', 'per_minute_rate_differs');

  const credit = leg.creditSeconds;
  const exactSeconds = Math.max(0, leg.durationSeconds - leg.poolSeconds);
  if (exactSeconds !== credit && explains(chargeForSeconds(exactSeconds, rate))) return result('rounding', 'per_second');
  for (const seconds of [credit - MINUTE, credit + MINUTE]) {
    if (seconds >= 0 && explains(chargeForSeconds(seconds, rate))) return result('rounding', 'one_minute');
  }

  const minutes = Math.round(leg.microsoft.chargeMicros / rate);
  const poolLeg = leg.poolSeconds > 0 || (leg.callType === 'conf_out' && leg.destinationCountry !== null && isZoneA(leg.destinationCountry));
  if (poolLeg && minutes >= 1 && minutes * MINUTE <= leg.billedSeconds && explains(minutes * rate)) {
    return result('pool_or_license', 'pool_minutes_differ', { microsoftMinutes: minutes });
  }
  return result('rate_card', 'per_minute_rate_differs');
}

/** Microsoft's charge per minute Tollgate charged to credits, rounded to whole micros. */
function impliedPerMinute(leg: LegCharges): Micros | null {
  if (leg.creditSeconds <= 0 || leg.microsoft.chargeMicros <= 0) return null;
  return Math.round((leg.microsoft.chargeMicros * MINUTE) / leg.creditSeconds);
}
