import { creditsPurchasableIn, isZoneA } from './countries';
import { meetingDialOutBlock, type DialOutPolicyName } from './dial-out-policy';
import { hasCommunicationsCredits, hasUsCaDialOutAddon, planFor, type AudioConferencingPlan } from './licenses';
import { chargeForSeconds, secondsCoveredBy, type Micros } from './money';
import { parsePhoneNumber, type PhoneNumberInfo } from './phone-number';
import { DEFAULT_INCREMENT_SECONDS, type Rate, type RateCard, type RateKind } from './rate-card';
import { refusal, type Reason, type Refusal } from './reasons';

export type { Refusal } from './reasons';

/**
 * Who pays for a leg.
 * - subscription: included in the organizer's Audio Conferencing subscription (toll dial-in).
 * - addon: the organizer's US/Canada dial-out add-on.
 * - pool: the tenant's monthly dial-out minute pool, entirely.
 * - credits: Communications Credits; a leg that used up the pool mid-call is 'credits' with poolSeconds > 0.
 */
export type PaidBy = 'subscription' | 'pool' | 'credits' | 'addon';

export interface LegToRate {
  /** conf_in: dial-in to the bridge; conf_out: dial-out from the bridge. Other Graph call types are not meeting legs. */
  callType: 'conf_in' | 'conf_out';
  /**
   * The E.164 callee number: for conf_in the bridge number that was dialed (its country prices the leg),
   * for conf_out the destination.
   */
  number: string;
  /** conf_in only: a toll-free bridge number was dialed (Graph inventoryType). Ignored for conf_out. */
  tollFree: boolean;
  /** Whole seconds, >= 0. */
  durationSeconds: number;
  /** Picks the rate in force (by UTC day) and, for callers, the pool month. */
  startDateTime: Date;
}

export interface OrganizerProfile {
  id: string;
  /** ISO alpha-2: where the organizer is "domestic" for dial-out policies. */
  usageLocation: string;
  /** SKU part numbers (MCOMEETADV, MCOMEETACPEA, MCOPSTNPP, SPE_E5, …). */
  licenses: readonly string[];
  /** The organizer's own policy; undefined falls back to RatingContext.globalDialOutPolicy. */
  dialOutPolicy?: DialOutPolicyName;
  /** AllowTollFreeDialIn of the organizer's Audio Conferencing policy. */
  tollFreeDialIn: boolean;
}

export interface RatingContext {
  /**
   * authorize: before a call connects; refuses anything Microsoft would refuse, and says how long it may last.
   * settle: a call that happened; never refuses (except an invalid number), charges it as it happened and
   * flags every rule it broke.
   */
  mode: 'authorize' | 'settle';
  tenant: { country: string; currency: string; billingMode: 'prepaid' | 'postpaid' };
  /**
   * undefined: an organizer Tollgate does not know. authorize refuses unknown_organizer; settle charges the leg
   * to credits as if pay-per-minute, applies the global dial-out policy with the tenant's country standing in
   * for the usage location, and flags unknown_organizer.
   */
  organizer: OrganizerProfile | undefined;
  globalDialOutPolicy: DialOutPolicyName;
  rateCard: RateCard;
  /** What is left of the tenant's pool for the leg's month; 0 or less is an empty pool. */
  poolRemainingSeconds: number;
  /** The current credits balance (may be negative after the fact). authorize limits by it; settle only flags. */
  balanceMicros: Micros;
}

export interface Decision {
  ok: true;
  paidBy: PaidBy;
  /** Country of the rated number (the destination for dial-out, the bridge number's for dial-in). */
  destinationCountry: string;
  /** Duration rounded up to the rate's increment (60 s when no rate applies); 0 for a 0-second leg. */
  billedSeconds: number;
  /** billedSeconds / 60 (fractional with increments that are not whole minutes). */
  billedMinutes: number;
  /** Seconds drawn from the pool by this leg. */
  poolSeconds: number;
  /** Seconds charged to credits; poolSeconds + creditSeconds = billedSeconds whenever pool or credits pay. */
  creditSeconds: number;
  /**
   * round(creditSeconds × perMinute / 60) + connectionFee, the fee only when credits pay for some of a leg
   * longer than 0 s. 0 when no rate (or only one in another currency) was found: the leg is then flagged.
   */
  chargeMicros: Micros;
  /** The rate in force for the number, also when it costs nothing (subscription, add-on, pool). */
  rate?: Rate;
  /** settle: every rule the leg broke, in the order they are checked; authorize: always []. */
  flags: Reason[];
  /**
   * authorize: the longest the call may last, a whole number of increments: the pool part plus what the
   * balance covers after the connection fee; null = no limit (subscription, add-on, postpaid credits, a free
   * rate). settle: always null.
   */
  maxDurationSeconds: number | null;
}

/** The rate-card kind of a leg. */
export function legKind(leg: Pick<LegToRate, 'callType' | 'tollFree'>): RateKind {
  if (leg.callType === 'conf_out') return 'conf_out';
  return leg.tollFree ? 'conf_in_tollfree' : 'conf_in_toll';
}

/** Duration rounded up to whole increments; 0 stays 0 (unanswered legs cost nothing). */
export function billedSecondsFor(durationSeconds: number, incrementSeconds: number): number {
  return Math.ceil(durationSeconds / incrementSeconds) * incrementSeconds;
}

function assertValidInput(leg: LegToRate, ctx: RatingContext): void {
  // Types already rule these out: reaching here with them is a caller's bug, not a domain outcome.
  if (leg.callType !== 'conf_in' && leg.callType !== 'conf_out') {
    throw new TypeError(`rateLeg rates conf_in and conf_out legs only (got ${String(leg.callType)}); filter others out as unsupported_call_type first`);
  }
  if (!Number.isSafeInteger(leg.durationSeconds) || leg.durationSeconds < 0) {
    throw new RangeError(`durationSeconds must be a non-negative integer, got ${leg.durationSeconds}`);
  }
  if (!(leg.startDateTime instanceof Date) || Number.isNaN(leg.startDateTime.getTime())) throw new RangeError('startDateTime must be a valid Date');
  if (ctx.mode !== 'authorize' && ctx.mode !== 'settle') throw new TypeError(`unknown rating mode ${String(ctx.mode)}`);
  if (!Number.isSafeInteger(ctx.balanceMicros)) throw new RangeError(`balanceMicros must be an integer, got ${ctx.balanceMicros}`);
  if (!Number.isSafeInteger(ctx.poolRemainingSeconds)) throw new RangeError(`poolRemainingSeconds must be an integer, got ${ctx.poolRemainingSeconds}`);
}

type Payer = 'subscription' | 'addon' | 'pool_then_credits' | 'credits';

/**
 * Who pays, before balances and licenses for credits are looked at.
 * The US/Canada add-on counts only for a subscription organizer (a pay-per-minute organizer pays every leg, one
 * without a license is refused) and covers every US or CA number, premium ones included, but not Puerto Rico;
 * it needs no MCOPSTNPP. Puerto Rico, like every Zone A country, is pool territory.
 */

function payerFor(plan: AudioConferencingPlan | 'unknown', kind: RateKind, number: PhoneNumberInfo, organizer: OrganizerProfile | undefined): Payer {
  // Pay-per-minute, no license (settle only) and unknown organizers: every leg is charged per minute.
  if (plan !== 'subscription' || !organizer) return 'credits';
  if (kind === 'conf_in_toll') return 'subscription';
  if (kind === 'conf_in_tollfree') return 'credits';
  if (hasUsCaDialOutAddon(organizer.licenses) && (number.country === 'US' || number.country === 'CA')) return 'addon';
  if (isZoneA(number.country) && !number.premium) return 'pool_then_credits';
  return 'credits';
}

/**
 * Rates one meeting leg: is it allowed, who pays, how many seconds are billed and what it costs.
 *
 * Checks run in this order; authorize refuses with the first that fails, settle flags all that fail:
 * unknown_organizer, no_audio_conferencing_license, tollfree_disabled_for_organizer, the dial-out policy
 * (conf_out only), then, only when credits pay, no_communications_credits_license (subscription organizers),
 * credits_not_purchasable_in_country (tenant country), country_not_supported (authorize) / rate_not_found
 * (settle), rate_currency_mismatch, insufficient_credits (prepaid and balance <= 0). authorize further refuses
 * insufficient_credits when maxDurationSeconds is 0 or shorter than the leg's durationSeconds (callers asking
 * before a call pass 0).
 *
 * "Credits pay" means paidBy is 'credits', which for a 0-second leg is who would pay its first second: a
 * refused-by-Microsoft toll-free call is flagged even when nobody answered.
 *
 * settle never returns a Refusal except invalid_number. A malformed leg (negative or fractional duration,
 * invalid date, a call type other than conf_in/conf_out) is a bug upstream and throws.
 */
export function rateLeg(leg: LegToRate, ctx: RatingContext): Decision | Refusal {
  assertValidInput(leg, ctx);
  const parsed = parsePhoneNumber(leg.number);
  if (!parsed.ok) return parsed;
  const number = parsed.value;
  const authorize = ctx.mode === 'authorize';
  const kind = legKind(leg);
  const rate = ctx.rateCard.find(kind, number, leg.startDateTime);
  const increment = rate?.incrementSeconds ?? DEFAULT_INCREMENT_SECONDS;
  const billedSeconds = billedSecondsFor(leg.durationSeconds, increment);
  const organizer = ctx.organizer;

  const issues: Reason[] = [];
  if (!organizer) issues.push('unknown_organizer');
  const plan = organizer ? planFor(organizer.licenses) : 'unknown';
  if (plan === 'none') issues.push('no_audio_conferencing_license');
  if (kind === 'conf_in_tollfree' && organizer && !organizer.tollFreeDialIn) issues.push('tollfree_disabled_for_organizer');
  if (kind === 'conf_out') {
    const policy = organizer?.dialOutPolicy ?? ctx.globalDialOutPolicy;
    const blocked = meetingDialOutBlock(policy, organizer?.usageLocation ?? ctx.tenant.country, number.country);
    if (blocked !== undefined) issues.push(blocked);
  }
  if (authorize && issues[0]) return refusal(issues[0]);

  const payer = payerFor(plan, kind, number, organizer);
  if (payer === 'subscription' || payer === 'addon') {
    return decision(number.country, billedSeconds, rate, payer, 0, 0, 0, authorize ? [] : issues, null);
  }

  const pool = payer === 'pool_then_credits' ? Math.max(0, ctx.poolRemainingSeconds) : 0;
  // splitPool, without the intermediate object.
  const poolSeconds = Math.min(billedSeconds, pool);
  const creditSeconds = billedSeconds - poolSeconds;
  const paidBy: PaidBy = pool > 0 && creditSeconds === 0 ? 'pool' : 'credits';

  // Settle flags these after the leg's other issues, and only when credits pay: then they go straight onto issues.
  const creditIssues: Reason[] = !authorize && paidBy === 'credits' ? issues : [];
  if (plan === 'subscription' && organizer && !hasCommunicationsCredits(organizer.licenses)) creditIssues.push('no_communications_credits_license');
  if (!creditsPurchasableIn(ctx.tenant.country)) creditIssues.push('credits_not_purchasable_in_country');
  if (!rate) creditIssues.push(authorize ? 'country_not_supported' : 'rate_not_found');
  else if (rate.currency !== ctx.tenant.currency) creditIssues.push('rate_currency_mismatch');
  if (ctx.tenant.billingMode === 'prepaid' && ctx.balanceMicros <= 0) creditIssues.push('insufficient_credits');

  const priceable = rate !== undefined && rate.currency === ctx.tenant.currency;
  const chargeMicros =
    creditSeconds > 0 && priceable ? chargeForSeconds(creditSeconds, rate.perMinuteMicros) + rate.connectionFeeMicros : 0;

  if (!authorize) {
    return decision(number.country, billedSeconds, rate, paidBy, poolSeconds, creditSeconds, chargeMicros, issues, null);
  }

  if (paidBy === 'credits' && creditIssues[0]) return refusal(creditIssues[0]);
  const maxDurationSeconds = maxDuration(pool, increment, creditIssues.length === 0 ? rate : undefined, ctx);
  if (maxDurationSeconds !== null && (maxDurationSeconds === 0 || leg.durationSeconds > maxDurationSeconds)) {
    return refusal(creditIssues[0] ?? 'insufficient_credits');
  }
  return decision(number.country, billedSeconds, rate, paidBy, poolSeconds, creditSeconds, chargeMicros, [], maxDurationSeconds);
}

/** A Decision, built in one step with its keys always in the same order; `rate` is present only when there is one. */
function decision(
  destinationCountry: string,
  billedSeconds: number,
  rate: Rate | undefined,
  paidBy: PaidBy,
  poolSeconds: number,
  creditSeconds: number,
  chargeMicros: Micros,
  flags: Reason[],
  maxDurationSeconds: number | null,
): Decision {
  const billedMinutes = billedSeconds / 60;
  return rate
    ? { ok: true, destinationCountry, billedSeconds, billedMinutes, rate, paidBy, poolSeconds, creditSeconds, chargeMicros, flags, maxDurationSeconds }
    : { ok: true, destinationCountry, billedSeconds, billedMinutes, paidBy, poolSeconds, creditSeconds, chargeMicros, flags, maxDurationSeconds };
}

/**
 * The longest a leg may last: the pool part plus the seconds the balance covers after the connection fee,
 * cut down to whole increments (so a call of that length is billed no more than the balance). `usableRate` is
 * undefined when credits cannot pay at all; then only the pool counts.
 */
function maxDuration(pool: number, increment: number, usableRate: Rate | undefined, ctx: RatingContext): number | null {
  let creditCover: number | null = 0;
  if (usableRate) {
    if (ctx.tenant.billingMode === 'postpaid') creditCover = null;
    else creditCover = secondsCoveredBy(ctx.balanceMicros - usableRate.connectionFeeMicros, usableRate.perMinuteMicros);
  }
  if (creditCover === null) return null;
  return Math.floor((pool + creditCover) / increment) * increment;
}
