import { MAX_ADVICE_MONTHS } from '../advisor/advice-window';
import { Advisor } from '../advisor/advisor';
import type { AdvisedPlan } from '../advisor/advisor-model';
import { canSwitch, creditsOnSwitch } from '../advisor/what-if';
import { hasCommunicationsCredits, planFor } from '../billing/licenses';
import { licensesOf } from '../directory/organizer-profile';
import type { UserRow } from '../store/user-store';
import type { Tollgate } from '../tollgate';
import { buildAdminResultCard } from './cards/admin-result-card';
import { ADVISED_PLAN_WORDS, buildAdvisorCard } from './cards/advisor-card';
import { buildAdvisorConfirmCard } from './cards/advisor-confirm-card';
import { buildBadInputCard } from './cards/bad-input-card';
import type { CardContext } from './cards/card-context';
import { personLabel } from './cards/card-format';
import type { AdaptiveCardJson } from './cards/expand-card';

/** Who and what a switch button names; the tenant is never in it (it comes from the activity). */
export interface SwitchRequest {
  user: string;
  to: string;
  months?: number;
}

/** The months a card's data names, when it is a sane number; otherwise the default. */
export function adviceMonths(text: string): number | undefined {
  const n = /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= MAX_ADVICE_MONTHS ? n : undefined;
}

/**
 * The license advisor in Teams (admins only; BotCommands checks that before calling here): the advisor card, the
 * subscription price, and the two-step switch: the card's button asks to confirm (advisor.switch), Confirm applies it
 * (advisor.confirm) through Directory.setLicense with the pool licenses adjusted, audited as done by the admin.
 */
export class AdvisorCommands {
  private readonly advisor: Advisor;

  constructor(private readonly t: Tollgate) {
    this.advisor = new Advisor(t.store, t.clock);
  }

  async card(tenantId: string, ctx: CardContext, months: number | undefined): Promise<AdaptiveCardJson> {
    const advice = await this.advisor.advise(tenantId, { months, now: ctx.now });
    if (!advice.ok) {
      if (advice.reason === 'subscription_price_not_set') {
        return buildBadInputCard({ title: 'Set the subscription price first', problem: advice.message, usage: 'advisor price <amount>, e.g. advisor price 8' });
      }
      return buildBadInputCard({ command: 'advisor', problem: advice.message });
    }
    return buildAdvisorCard(advice.value, ctx);
  }

  /** Sets the price, then answers with the advice it gives. */
  async setPrice(tenantId: string, ctx: CardContext, micros: number, actor: string): Promise<AdaptiveCardJson> {
    const r = await this.advisor.setSubscriptionPrice(tenantId, micros, actor);
    if (!r.ok) return buildBadInputCard({ command: 'advisor price', problem: r.message });
    return this.card(tenantId, ctx, undefined);
  }

  /** advisor.switch: "Switch X to pay-per-minute? saves ~Y/month", with Confirm and Cancel. Changes nothing. */
  async confirmCard(tenantId: string, ctx: CardContext, request: SwitchRequest): Promise<AdaptiveCardJson> {
    const checked = await this.check(tenantId, request);
    if (!checked.ok) return checked.card;
    const { user, to } = checked;
    const advice = await this.advisor.advise(tenantId, { months: request.months, now: ctx.now });
    if (!advice.ok) return buildBadInputCard({ command: 'advisor', problem: advice.message });
    const a = advice.value;
    const listed = a.switches.find((s) => s.userId === user.aad_object_id && s.to === to);
    const alone = a.organizers.find((o) => o.userId === user.aad_object_id)?.tenantEffectPerMonthMicros ?? null;
    if (!listed) {
      return buildBadInputCard({
        title: 'That recommendation has changed',
        problem: `Moving ${personLabel({ displayName: user.display_name, upn: user.upn, id: user.aad_object_id })} to ${ADVISED_PLAN_WORDS[to]} no longer saves anything on the calls of the last ${a.months.length} months. Nothing was changed.`,
        usage: 'Type advisor for the current recommendations.',
      });
    }
    return buildAdvisorConfirmCard(
      {
        user: { displayName: user.display_name, upn: user.upn, id: user.aad_object_id },
        from: listed.from,
        to,
        // On its own, from today; what the list says assumes the switches above it.
        savingPerMonthMicros: alone !== null && alone < 0 ? -alone : listed.savingPerMonthMicros,
        months: a.months.length,
        poolLicensesBefore: a.poolLicenses,
        poolLicensesAfter: to === 'subscription' ? a.poolLicenses + 1 : Math.max(0, a.poolLicenses - 1),
      },
      ctx,
    );
  }

  /** advisor.confirm: applies the switch (license and pool licenses in one audited change). */
  async apply(tenantId: string, ctx: CardContext, request: SwitchRequest, actor: string): Promise<AdaptiveCardJson> {
    const checked = await this.check(tenantId, request);
    if (!checked.ok) return checked.card;
    const { user, to } = checked;
    const r = await this.t.directory.setLicense(tenantId, user.aad_object_id, to, creditsOnSwitch(to), actor, { adjustPoolLicenses: true, via: 'advisor' });
    if (!r.ok) return buildBadInputCard({ command: 'advisor', problem: r.message });
    const me = await this.t.directory.user(tenantId, actor);
    const pool = r.value.poolLicenses!;
    return buildAdminResultCard(
      {
        change: {
          kind: 'license_set',
          user: { displayName: user.display_name, upn: user.upn },
          plan: to,
          credits: hasCommunicationsCredits(r.value.after),
          before: { plan: planFor(r.value.before), credits: hasCommunicationsCredits(r.value.before) },
        },
        actor: me ? { displayName: me.display_name, upn: me.upn } : { displayName: null, upn: null },
        at: ctx.now,
        note:
          `Pool licenses ${pool.before} → ${pool.after} (${pool.after * 60} dial-out minutes a month). ` +
          'Make the same change in the Microsoft 365 admin center: Tollgate mirrors it. Type advisor for what is left to save.',
      },
      ctx,
    );
  }

  /** The user the button names, in the caller's tenant, and a switch the advisor could make for them. */
  private async check(
    tenantId: string,
    request: SwitchRequest,
  ): Promise<{ ok: true; user: UserRow; to: AdvisedPlan } | { ok: false; card: AdaptiveCardJson }> {
    const outdated = (problem: string) => ({ ok: false as const, card: buildBadInputCard({ title: 'That button is out of date', problem, usage: 'Type advisor for the current recommendations.' }) });
    if (request.to !== 'subscription' && request.to !== 'ppm') return outdated('It names no license I can switch to. Nothing was changed.');
    const to: AdvisedPlan = request.to;
    const user = request.user ? await this.t.directory.user(tenantId, request.user) : undefined;
    if (!user) return outdated('It names a user this organization does not have. Nothing was changed.');
    const licenses = licensesOf(user);
    const who = personLabel({ displayName: user.display_name, upn: user.upn, id: user.aad_object_id });
    if (planFor(licenses) === to) return outdated(`${who} is already on ${ADVISED_PLAN_WORDS[to]}. Nothing was changed.`);
    if (!canSwitch(licenses, to)) return outdated(`The advisor does not move ${who} (an E5 suite, or no Audio Conferencing license). Nothing was changed.`);
    return { ok: true, user, to };
  }
}
