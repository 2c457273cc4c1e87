import type { DialOutPolicyName } from '../billing/dial-out-policy';
import type { AudioConferencingPlan } from '../billing/licenses';
import type { Micros } from '../billing/money';
import type { RateCard } from '../billing/rate-card';
import type { LegToRate, OrganizerProfile, RatingContext } from '../billing/rate-leg';

/**
 * The license advisor: which Audio Conferencing license (per-user subscription or pay-per-minute) each organizer
 * should hold, judged by re-rating the tenant's real legs of the last months under other assignments.
 *
 * The model, and why (DOMAIN.md; src/billing/ is the rater):
 * - The subscription is priced per user: `price` a month (admin-set, the tenant's currency) for every user holding the
 *   stand-alone MCOMEETADV. Fees = price × those users × months. E5 users' Audio Conferencing is paid with their suite:
 *   no fee here, and they cannot be switched (it is not sold apart from the suite); their legs and their share of the
 *   pool still count. Users without Audio Conferencing stay without it.
 * - The dial-out pool is sized by the PURCHASED licenses (tenants.pool_licenses, 60 minutes each a month), as intake
 *   rates it. Moving a user off subscription gives their license back: pool licenses − 1 (never below 0), a pool 60
 *   minutes a month smaller for everyone's dial-out. Moving a user onto subscription buys one: + 1. Switches apply one
 *   after another in the order listed, each clamped at 0, which is exactly what Directory.setLicense with
 *   adjustPoolLicenses does, so the switched tenant is rated by intake exactly as the advisor rated it.
 * - Each what-if replays every month's legs in the order intake settled them, with the same rate card and the same
 *   pool rule (rateLeg in settle mode, the pool drawn second by second), so a leg costs what intake would charge it.
 */

/** The two licenses the advisor chooses between. */
export type AdvisedPlan = 'subscription' | 'ppm';

export interface AdvisorUser {
  id: string;
  upn: string | null;
  displayName: string | null;
  /** As rateLeg sees the user today. */
  profile: OrganizerProfile;
}

export interface AdvisorLeg {
  id: string;
  /** The organizer as the leg names them (Graph userId / UPN): resolved the way intake resolves them. */
  organizerId: string | null;
  organizerUpn: string | null;
  leg: LegToRate;
  /** What intake charged the leg when it was settled (for comparison; the advisor re-rates). */
  chargedMicros: Micros;
}

export interface AdvisorInput {
  tenantId: string;
  currency: string;
  ratingTenant: RatingContext['tenant'];
  globalDialOutPolicy: DialOutPolicyName;
  rateCard: RateCard;
  /** Purchased subscription licenses today (tenants.pool_licenses): they size the dial-out pool. */
  poolLicenses: number;
  /** What the subscription costs a month per user. */
  priceMicros: Micros;
  /** The calendar months (YYYY-MM, UTC) the legs come from, oldest first. */
  months: readonly string[];
  users: readonly AdvisorUser[];
  /** The months' rated legs, in the order they drew on the pool (settled order). */
  legs: readonly AdvisorLeg[];
  /** Picks the rate for the break-even of users without calls. */
  now: Date;
}

/** A cost over the whole window (micros) and per month (rounded to the micro). */
export interface Cost {
  creditsMicros: Micros;
  feesMicros: Micros;
  totalMicros: Micros;
  perMonthMicros: Micros;
}

export interface OrganizerAdvice {
  userId: string;
  upn: string | null;
  displayName: string | null;
  plan: AudioConferencingPlan;
  /** The license the advisor could give them instead, or null (E5 suite, no Audio Conferencing). */
  alternative: AdvisedPlan | null;
  /** Why there is no alternative, when there is none. */
  fixedBecause?: string;
  legs: number;
  /** Billed minutes of their legs a month, on average over the window. */
  minutesPerMonth: number;
  /** Their own legs' credits plus, on a stand-alone subscription, its fee; over the window. */
  currentMicros: Micros;
  /** The same with only them switched (the pool re-sized and replayed); null without an alternative. */
  alternativeMicros: Micros | null;
  /**
   * What the whole tenant's total would change by if only they switched (negative saves): besides their own cost,
   * the fee actually bought or given back and what the resized pool does to everyone else's dial-out.
   */
  tenantEffectMicros: Micros | null;
  tenantEffectPerMonthMicros: Micros | null;
  /**
   * The minutes a month of calls like theirs at which subscription and pay-per-minute cost the same (subscription
   * pays off above it). Without calls: toll dial-in in their usage location. null: subscription never pays off for
   * calls like theirs, or no rate to tell.
   */
  breakEvenMinutesPerMonth: number | null;
}

export interface AdvisedSwitch {
  userId: string;
  upn: string | null;
  displayName: string | null;
  from: AdvisedPlan;
  to: AdvisedPlan;
  /** What this switch saves over the window, after the switches listed before it. */
  savingMicros: Micros;
  savingPerMonthMicros: Micros;
  poolLicensesBefore: number;
  poolLicensesAfter: number;
}

export interface Advice {
  tenantId: string;
  currency: string;
  months: string[];
  priceMicros: Micros;
  poolLicenses: number;
  /** Legs re-rated; legs whose number no longer rates (none in practice) are left out and counted. */
  legs: number;
  unratedLegs: number;
  /** What intake charged these legs, for comparison with `current.creditsMicros` (the same unless rates or licenses changed since). */
  chargedMicros: Micros;
  current: Cost;
  best: Cost & { poolLicenses: number };
  savingMicros: Micros;
  savingPerMonthMicros: Micros;
  /** In the order to apply them: each saving assumes the ones above it. */
  switches: AdvisedSwitch[];
  /** Every user with an Audio Conferencing license or with calls, the biggest possible saving first. */
  organizers: OrganizerAdvice[];
  search: {
    candidates: number;
    /** Whole-tenant re-ratings the search ran. */
    evaluations: number;
    /** false: it stopped at its bound while a switch still saved something. */
    complete: boolean;
  };
  /** Things the admin should know about the figures (e.g. fewer pool licenses than subscription users). */
  warnings: string[];
}

/** A window's total spread over its months, rounded to the micro. */
export function perMonth(micros: Micros, months: number): Micros {
  return months > 0 ? Math.round(micros / months) : micros;
}
