import type { Micros } from '../billing/money';
import { perMonth, type AdvisedPlan, type AdvisedSwitch, type Advice, type AdvisorInput, type Cost, type OrganizerAdvice } from './advisor-model';
import { NO_PLAN, PPM, SUBSCRIPTION, WhatIf, type Evaluation } from './what-if';

export interface AdviseOptions {
  /**
   * The most switches the search recommends. Each round re-rates the whole tenant once per remaining candidate, so
   * the search costs at most maxSwitches × candidates what-ifs (each one pass over the pool legs): a few seconds for
   * a tenant of a few hundred organizers and a quarter of calls. Default 50.
   */
  maxSwitches?: number;
}

export const DEFAULT_MAX_SWITCHES = 50;

/**
 * The cheapest assignment of licenses the search finds, and every organizer's figures.
 *
 * The dial-out pool is shared, so organizers cannot be decided one by one: giving back one subscription shrinks the
 * pool everyone else's dial-out draws on. The search is a greedy descent over whole-tenant re-ratings: from today's
 * assignment, try switching each candidate (each re-rated with the pool re-sized and replayed), take the switch that
 * lowers the tenant's total the most, and repeat from there; stop when no switch saves anything or at maxSwitches.
 * Each user switches at most once. It finds a good assignment, not necessarily the cheapest one (that would mean
 * trying 2^candidates assignments), and says so through `search.complete` when it stopped at its bound.
 */
export function advise(input: AdvisorInput, options: AdviseOptions = {}): Advice {
  if (!Number.isSafeInteger(input.priceMicros) || input.priceMicros < 0) throw new RangeError(`priceMicros must be a non-negative integer, got ${input.priceMicros}`);
  const maxSwitches = options.maxSwitches ?? DEFAULT_MAX_SWITCHES;
  const w = new WhatIf(input);
  const months = w.months;
  const users = input.users;

  const plans = Uint8Array.from(w.currentPlans);
  let pool = input.poolLicenses;
  const current = w.evaluate(plans, pool);

  // Every candidate alone, from today: the organizers' own what-ifs, and the search's first round.
  const alone = tryEach(w, plans, pool, new Set());

  const switches: AdvisedSwitch[] = [];
  const switched = new Set<number>();
  let state = current;
  let complete = true;
  let round = alone;
  for (;;) {
    let best: (Tried & { u: number }) | undefined;
    for (const u of w.candidates) {
      if (switched.has(u)) continue;
      const tried = round.get(u)!;
      if (tried.evaluation.totalMicros < state.totalMicros && (!best || tried.evaluation.totalMicros < best.evaluation.totalMicros)) best = { u, ...tried };
    }
    if (!best) break;
    if (switches.length >= maxSwitches) {
      complete = false;
      break;
    }
    const from: AdvisedPlan = plans[best.u] === SUBSCRIPTION ? 'subscription' : 'ppm';
    const to: AdvisedPlan = from === 'subscription' ? 'ppm' : 'subscription';
    const saving = state.totalMicros - best.evaluation.totalMicros;
    const user = users[best.u]!;
    switches.push({
      userId: user.id,
      upn: user.upn,
      displayName: user.displayName,
      from,
      to,
      savingMicros: saving,
      savingPerMonthMicros: perMonth(saving, months),
      poolLicensesBefore: pool,
      poolLicensesAfter: best.poolLicenses,
    });
    plans[best.u] = WhatIf.code(to);
    pool = best.poolLicenses;
    state = best.evaluation;
    switched.add(best.u);
    // The next round, from the new assignment (at the bound, it only tells whether the search stopped early).
    round = tryEach(w, plans, pool, switched);
  }

  const cost = (e: Evaluation): Cost => ({ creditsMicros: e.creditsMicros, feesMicros: e.feesMicros, totalMicros: e.totalMicros, perMonthMicros: perMonth(e.totalMicros, months) });
  const fee = input.priceMicros * months;
  const organizers: OrganizerAdvice[] = [];
  users.forEach((user, u) => {
    const plan = w.currentPlans[u]!;
    if (plan === NO_PLAN && w.legCount[u] === 0) return;
    const own = current.userCredits[u]! + (plan === SUBSCRIPTION && w.switchable(u) ? fee : 0);
    const minutesTotal = w.billedSeconds[u]! / 60;
    const base: OrganizerAdvice = {
      userId: user.id,
      upn: user.upn,
      displayName: user.displayName,
      plan: WhatIf.planOf(plan),
      alternative: null,
      legs: w.legCount[u]!,
      minutesPerMonth: round1(minutesTotal / months),
      currentMicros: own,
      alternativeMicros: null,
      tenantEffectMicros: null,
      tenantEffectPerMonthMicros: null,
      breakEvenMinutesPerMonth: null,
    };
    const a = alone.get(u);
    if (!a) {
      organizers.push({ ...base, fixedBecause: w.fixedBecause[u] });
      return;
    }
    const alternative: AdvisedPlan = plan === SUBSCRIPTION ? 'ppm' : 'subscription';
    const theirs = a.evaluation.userCredits[u]! + (alternative === 'subscription' ? fee : 0);
    const effect = a.evaluation.totalMicros - current.totalMicros;
    const ppmCredits = plan === PPM ? current.userCredits[u]! : a.evaluation.userCredits[u]!;
    const subCredits = plan === SUBSCRIPTION ? current.userCredits[u]! : a.evaluation.userCredits[u]!;
    organizers.push({
      ...base,
      alternative,
      alternativeMicros: theirs,
      tenantEffectMicros: effect,
      tenantEffectPerMonthMicros: perMonth(effect, months),
      breakEvenMinutesPerMonth: breakEven(input, u, minutesTotal, ppmCredits - subCredits),
    });
  });
  organizers.sort(
    (x, y) =>
      (x.tenantEffectMicros ?? Infinity) - (y.tenantEffectMicros ?? Infinity) ||
      y.currentMicros - x.currentMicros ||
      (x.displayName ?? x.upn ?? x.userId).localeCompare(y.displayName ?? y.upn ?? y.userId),
  );

  const saving = current.totalMicros - state.totalMicros;
  const chargedMicros = input.legs.reduce((sum, l) => sum + l.chargedMicros, 0);
  return {
    tenantId: input.tenantId,
    currency: input.currency,
    months: [...input.months],
    priceMicros: input.priceMicros,
    poolLicenses: input.poolLicenses,
    legs: input.legs.length - w.unratedLegs,
    unratedLegs: w.unratedLegs,
    chargedMicros,
    current: cost(current),
    best: { ...cost(state), poolLicenses: pool },
    savingMicros: saving,
    savingPerMonthMicros: perMonth(saving, months),
    switches,
    organizers,
    search: { candidates: w.candidates.length, evaluations: w.evaluations, complete },
    warnings: warnings(input, w, current, chargedMicros),
  };
}

interface Tried {
  evaluation: Evaluation;
  poolLicenses: number;
}

/** The tenant re-rated once per candidate not yet switched, with only that candidate switched from `plans`. */
function tryEach(w: WhatIf, plans: Uint8Array, pool: number, switched: ReadonlySet<number>): Map<number, Tried> {
  const tried = new Map<number, Tried>();
  for (const u of w.candidates) {
    if (switched.has(u)) continue;
    const flipped = Uint8Array.from(plans);
    flipped[u] = plans[u] === SUBSCRIPTION ? PPM : SUBSCRIPTION;
    const after = poolAfter(pool, flipped[u]!);
    tried.set(u, { evaluation: w.evaluate(flipped, after), poolLicenses: after });
  }
  return tried;
}

/** Pool licenses after one user moves to `plan`: one bought, or one given back (never below 0). */
function poolAfter(pool: number, plan: number): number {
  return plan === SUBSCRIPTION ? pool + 1 : Math.max(0, pool - 1);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Minutes a month at which subscription and pay-per-minute cost the same for calls like theirs: the fee over what
 * subscription saves per minute of their mix. Without calls, the mix is toll dial-in in their usage location.
 */
function breakEven(input: AdvisorInput, u: number, minutesTotal: number, ppmMinusSubMicros: Micros): number | null {
  if (input.priceMicros === 0) return 0;
  if (minutesTotal > 0) {
    if (ppmMinusSubMicros <= 0) return null;
    return Math.ceil((input.priceMicros * minutesTotal) / ppmMinusSubMicros);
  }
  const country = input.users[u]!.profile.usageLocation;
  const rate = input.rateCard.find('conf_in_toll', { digits: '', country }, input.now);
  if (!rate || rate.perMinuteMicros === 0 || rate.currency !== input.currency) return null;
  return Math.ceil(input.priceMicros / rate.perMinuteMicros);
}

function warnings(input: AdvisorInput, w: WhatIf, current: Evaluation, chargedMicros: Micros): string[] {
  const out: string[] = [];
  let subscribers = 0;
  for (let u = 0; u < w.userCount; u++) if (w.currentPlans[u] === SUBSCRIPTION) subscribers += 1;
  if (subscribers > input.poolLicenses) {
    out.push(
      `${subscribers} users hold an Audio Conferencing subscription but the tenant counts ${input.poolLicenses} purchased licenses: ` +
        'the dial-out pool is sized by the purchased ones (tollgate tenant pool-licenses sets them).',
    );
  }
  if (w.unknownOrganizerLegs > 0) {
    out.push(`${w.unknownOrganizerLegs} calls were organized by users Tollgate does not know: they are charged as pay-per-minute in every assignment (import the users to weigh them).`);
  }
  if (w.unratedLegs > 0) out.push(`${w.unratedLegs} calls could not be rated again (their number is no longer valid) and are left out.`);
  if (current.creditsMicros !== chargedMicros) {
    out.push("Re-rated with today's rate card and licenses, these calls cost a different amount than they were charged: rates or licenses changed since.");
  }
  return out;
}
