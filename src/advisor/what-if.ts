import { poolMonth, poolSecondsFor } from '../billing/dial-out-pool';
import { AUDIO_CONFERENCING_SUBSCRIPTION, SUBSCRIPTION_LICENSES, licensesWithPlan, planFor, type AudioConferencingPlan } from '../billing/licenses';
import type { Micros } from '../billing/money';
import { rateLeg, type LegToRate, type OrganizerProfile, type RatingContext } from '../billing/rate-leg';
import type { AdvisedPlan, AdvisorInput } from './advisor-model';

/** Plan codes in an assignment (one byte per user). */
export const PPM = 0;
export const SUBSCRIPTION = 1;
export const NO_PLAN = 2;

/**
 * The Communications Credits license a switch leaves the user with: someone moved onto subscription gets MCOPSTNPP
 * (their toll-free dial-in and dial-out beyond the pool need it), someone moved to pay-per-minute keeps whatever they
 * had (pay-per-minute needs none). The bot applies switches with the same flag the what-ifs rate with.
 */
export function creditsOnSwitch(to: AdvisedPlan): boolean | undefined {
  return to === 'subscription' ? true : undefined;
}

// More than any month's pool could hold: "the pool covers the whole leg".
const UNLIMITED_POOL = 2 ** 40;

export interface Evaluation {
  creditsMicros: Micros;
  feesMicros: Micros;
  totalMicros: Micros;
  /** Each user's own legs' credits, by user index. */
  userCredits: Float64Array;
}

interface PoolLeg {
  user: number;
  month: number;
  billedSeconds: number;
  /** The charge with the pool already empty. */
  emptyPoolMicros: Micros;
  leg: LegToRate;
}

/**
 * Re-rates a tenant's legs under any assignment of licenses and any number of pool licenses, exactly as intake would
 * have charged them: every decision comes from rateLeg (settle mode), the pool is replayed month by month in the
 * order the legs were settled.
 *
 * What does not depend on the pool is rated once per user and plan up front; a what-if then only walks the legs that
 * could draw on the pool (Zone A dial-out of subscription organizers). A leg the pool covers whole costs nothing, one
 * after the pool ran out costs its empty-pool charge; the one leg a month that straddles the end is rated again by
 * rateLeg with what is left. So a what-if costs one pass over the pool legs, not a rating of every leg.
 */
export class WhatIf {
  readonly userCount: number;
  /** Today's plan of each user (PPM, SUBSCRIPTION or NO_PLAN). */
  readonly currentPlans: Uint8Array;
  /** Users the advisor may switch: pay-per-minute, or a stand-alone MCOMEETADV subscription. */
  readonly candidates: number[];
  readonly fixedBecause: (string | undefined)[];
  /** Per user: legs and billed seconds (the same under either plan: the increment is the rate's). */
  readonly legCount: Int32Array;
  readonly billedSeconds: Float64Array;
  readonly months: number;
  /** Legs whose number no longer rates (rateLeg refused it): left out of every what-if. */
  readonly unratedLegs: number;
  /** Legs whose organizer Tollgate does not know: charged as pay-per-minute in every what-if. */
  readonly unknownOrganizerLegs: number;
  evaluations = 0;

  private readonly subProfile: (OrganizerProfile | undefined)[];
  private readonly ppmProfile: (OrganizerProfile | undefined)[];
  /** Per user, the credits of their legs that never touch the pool, by plan. */
  private readonly fixedCredits: Float64Array[];
  private readonly poolLegs: PoolLeg[] = [];
  private readonly unknownCredits: Micros;
  private readonly priceMicros: Micros;

  constructor(private readonly input: AdvisorInput) {
    const n = input.users.length;
    this.userCount = n;
    this.priceMicros = input.priceMicros;
    this.currentPlans = new Uint8Array(n);
    this.fixedBecause = new Array(n).fill(undefined);
    this.subProfile = new Array(n).fill(undefined);
    this.ppmProfile = new Array(n).fill(undefined);
    this.fixedCredits = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    this.legCount = new Int32Array(n);
    this.billedSeconds = new Float64Array(n);
    this.candidates = [];

    const byKey = new Map<string, number>();
    input.users.forEach((u, i) => {
      const plan = planFor(u.profile.licenses);
      this.currentPlans[i] = plan === 'subscription' ? SUBSCRIPTION : plan === 'ppm' ? PPM : NO_PLAN;
      if (plan === 'ppm') {
        this.ppmProfile[i] = u.profile;
        this.subProfile[i] = { ...u.profile, licenses: licensesWithPlan(u.profile.licenses, 'subscription', creditsOnSwitch('subscription')) };
        this.candidates.push(i);
      } else if (plan === 'subscription') {
        this.subProfile[i] = u.profile;
        if (standAloneSubscription(u.profile.licenses)) {
          this.ppmProfile[i] = { ...u.profile, licenses: licensesWithPlan(u.profile.licenses, 'ppm', creditsOnSwitch('ppm')) };
          this.candidates.push(i);
        } else {
          this.fixedBecause[i] = 'Audio Conferencing comes with their E5 suite';
        }
      } else {
        this.fixedBecause[i] = 'no Audio Conferencing license';
      }
      // The same keys intake looks organizers up by: the AAD object id, then the lower-cased UPN.
      byKey.set(u.id, i);
      if (u.upn) byKey.set(u.upn.toLowerCase(), i);
    });

    const monthIndex = new Map<string, number>(input.months.map((m, i) => [m, i]));
    let unrated = 0;
    let unknownLegs = 0;
    let unknownCredits = 0;
    for (const l of input.legs) {
      const month = poolMonth(l.leg.startDateTime);
      let m = monthIndex.get(month);
      if (m === undefined) monthIndex.set(month, (m = monthIndex.size));
      const u = (l.organizerId !== null ? byKey.get(l.organizerId) : undefined) ?? (l.organizerUpn ? byKey.get(l.organizerUpn.toLowerCase()) : undefined);
      if (u === undefined) {
        const d = this.rate(l.leg, undefined, 0);
        if (!d) unrated += 1;
        else {
          unknownLegs += 1;
          unknownCredits += d.chargeMicros;
        }
        continue;
      }
      const plan = this.currentPlans[u]!;
      if (plan === NO_PLAN) {
        const d = this.rate(l.leg, input.users[u]!.profile, 0);
        if (!d) {
          unrated += 1;
          continue;
        }
        this.fixedCredits[NO_PLAN]![u]! += d.chargeMicros;
        this.count(u, d.billedSeconds);
        continue;
      }
      let counted = false;
      const ppm = this.ppmProfile[u];
      if (ppm) {
        const d = this.rate(l.leg, ppm, 0);
        if (!d) {
          unrated += 1;
          continue;
        }
        this.fixedCredits[PPM]![u]! += d.chargeMicros;
        this.count(u, d.billedSeconds);
        counted = true;
      }
      const sub = this.subProfile[u];
      if (sub) {
        const empty = this.rate(l.leg, sub, 0);
        const full = this.rate(l.leg, sub, UNLIMITED_POOL);
        if (!empty || !full) {
          if (!counted) unrated += 1;
          continue;
        }
        if (!counted) this.count(u, empty.billedSeconds);
        if (full.poolSeconds > 0) this.poolLegs.push({ user: u, month: m, billedSeconds: full.billedSeconds, emptyPoolMicros: empty.chargeMicros, leg: l.leg });
        else this.fixedCredits[SUBSCRIPTION]![u]! += empty.chargeMicros;
      }
    }
    this.months = Math.max(input.months.length, monthIndex.size);
    this.unratedLegs = unrated;
    this.unknownOrganizerLegs = unknownLegs;
    this.unknownCredits = unknownCredits;
  }

  /** The plan code of an advised plan. */
  static code(plan: AdvisedPlan): number {
    return plan === 'subscription' ? SUBSCRIPTION : PPM;
  }

  static planOf(code: number): AudioConferencingPlan {
    return code === SUBSCRIPTION ? 'subscription' : code === PPM ? 'ppm' : 'none';
  }

  /**
   * The whole tenant under `plans` (a byte per user) and `poolLicenses` purchased licenses (the pool's size), over the
   * window: credits, and the subscription fee of every stand-alone subscription user.
   */
  evaluate(plans: Uint8Array, poolLicenses: number): Evaluation {
    this.evaluations += 1;
    const n = this.userCount;
    const userCredits = new Float64Array(n);
    for (let u = 0; u < n; u++) {
      const plan = plans[u]!;
      if (plan !== this.currentPlans[u] && !this.switchable(u)) throw new Error(`user ${this.input.users[u]!.id} cannot be switched`);
      userCredits[u] = this.fixedCredits[plan]![u]!;
    }
    const remaining: number[] = new Array(this.months).fill(poolSecondsFor(poolLicenses));
    for (const p of this.poolLegs) {
      if (plans[p.user] !== SUBSCRIPTION) continue;
      const left = remaining[p.month]!;
      if (left >= p.billedSeconds) remaining[p.month] = left - p.billedSeconds;
      else if (left <= 0) userCredits[p.user]! += p.emptyPoolMicros;
      else {
        // The leg that empties the pool: the rest of it is charged by rateLeg itself.
        const d = this.rate(p.leg, this.subProfile[p.user], left)!;
        userCredits[p.user]! += d.chargeMicros;
        remaining[p.month] = left - d.poolSeconds;
      }
    }
    let credits = this.unknownCredits;
    let subscribers = 0;
    for (let u = 0; u < n; u++) {
      credits += userCredits[u]!;
      if (plans[u] === SUBSCRIPTION && this.switchable(u)) subscribers += 1;
    }
    const fees = this.priceMicros * subscribers * this.months;
    return { creditsMicros: credits, feesMicros: fees, totalMicros: credits + fees, userCredits };
  }

  switchable(u: number): boolean {
    return this.subProfile[u] !== undefined && this.ppmProfile[u] !== undefined;
  }

  private count(u: number, billedSeconds: number): void {
    this.legCount[u]! += 1;
    this.billedSeconds[u]! += billedSeconds;
  }

  private rate(leg: LegToRate, organizer: OrganizerProfile | undefined, poolRemainingSeconds: number) {
    const ctx: RatingContext = {
      mode: 'settle',
      tenant: this.input.ratingTenant,
      organizer,
      globalDialOutPolicy: this.input.globalDialOutPolicy,
      rateCard: this.input.rateCard,
      poolRemainingSeconds,
      // Settle never refuses for the balance, and the charge does not depend on it.
      balanceMicros: 0,
    };
    const d = rateLeg(leg, ctx);
    return d.ok ? d : undefined;
  }
}

/**
 * Whether the advisor may move a user with these licenses to `to`: pay-per-minute users onto subscription, stand-alone
 * subscription users onto pay-per-minute; never E5 users or users without Audio Conferencing.
 */
export function canSwitch(licenses: readonly string[], to: AdvisedPlan): boolean {
  const plan = planFor(licenses);
  return to === 'subscription' ? plan === 'ppm' : plan === 'subscription' && standAloneSubscription(licenses);
}

/** Subscription through MCOMEETADV alone: an E5 suite's Audio Conferencing cannot be given back on its own. */
function standAloneSubscription(licenses: readonly string[]): boolean {
  const upper = licenses.map((l) => l.trim().toUpperCase());
  return upper.includes(AUDIO_CONFERENCING_SUBSCRIPTION) && !SUBSCRIPTION_LICENSES.some((sku) => sku !== AUDIO_CONFERENCING_SUBSCRIPTION && upper.includes(sku));
}
