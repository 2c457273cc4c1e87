import type { AdvisedPlan, AdvisedSwitch, Advice } from '../../advisor/advisor-model';
import type { CardContext } from './card-context';
import { minutes, money, monthName, personLabel, plural } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './advisor-card.json';

/** The switches the card offers a button for; the CLI (tollgate advise) lists them all. */
export const MAX_SWITCHES_SHOWN = 5;

export const ADVISED_PLAN_WORDS: Readonly<Record<AdvisedPlan, string>> = { subscription: 'subscription', ppm: 'pay-per-minute' };

interface AdvisorModel {
  months: string;
  refreshUserIds: string[];
  headline: string;
  headlineColor: 'Good' | 'Default';
  intro: string;
  facts: { title: string; value: string }[];
  hasSwitches: boolean;
  switches: { label: string; detail: string; saving: string; button: string; userId: string; to: AdvisedPlan; months: string }[];
  hasMore: boolean;
  more: string;
  hasWarnings: boolean;
  warnings: { text: string }[];
  footer: string;
}

const expand = cardExpander<AdvisorModel>('advisor card', template);

/** "August 2026" or "August 2026 to October 2026". */
export function monthsLabel(months: readonly string[], locale: string): string {
  if (months.length === 0) return '';
  const first = monthName(months[0]!, locale);
  return months.length === 1 ? first : `${first} to ${monthName(months[months.length - 1]!, locale)}`;
}

/**
 * The license advisor for admins: what the tenant pays today for Audio Conferencing (calls and subscriptions, a month),
 * the cheapest assignment found, and the top switches, each with a button that asks to confirm it (verb advisor.switch,
 * data { user, to, months }). Refreshes with verb refresh.advisor and data { months }.
 */
export function buildAdvisorCard(advice: Advice, ctx: CardContext): AdaptiveCardJson {
  const loc = ctx.locale;
  const m = (micros: number) => money(micros, ctx);
  const n = advice.months.length;
  const monthsText = String(n);
  const byUser = new Map(advice.organizers.map((o) => [o.userId, o]));
  const shown = advice.switches.slice(0, MAX_SWITCHES_SHOWN);
  const switches = shown.map((s: AdvisedSwitch) => {
    const o = byUser.get(s.userId);
    const usage = o ? `${o.legs === 0 ? 'no calls' : `${minutes(o.minutesPerMonth, loc)} min a month`}` : '';
    const breakEven = o?.breakEvenMinutesPerMonth;
    return {
      label: personLabel({ displayName: s.displayName, upn: s.upn, id: s.userId }),
      detail: [
        `${capitalize(ADVISED_PLAN_WORDS[s.from])} → ${ADVISED_PLAN_WORDS[s.to]}`,
        usage,
        breakEven === null || breakEven === undefined ? 'subscription never pays off for calls like theirs' : `break-even ${minutes(breakEven, loc)} min a month`,
        `pool licenses ${s.poolLicensesBefore} → ${s.poolLicensesAfter}`,
      ]
        .filter(Boolean)
        .join(' · '),
      saving: `saves ~${m(s.savingPerMonthMicros)}/month`,
      button: `Switch to ${ADVISED_PLAN_WORDS[s.to]}`,
      userId: s.userId,
      to: s.to,
      months: monthsText,
    };
  });
  const saves = advice.savingMicros > 0;
  const perMonth = (micros: number) => m(Math.round(micros / Math.max(1, n)));
  const facts = [
    { title: 'Today', value: `${m(advice.current.perMonthMicros)} a month (calls ${perMonth(advice.current.creditsMicros)}, subscriptions ${perMonth(advice.current.feesMicros)})` },
    { title: 'Cheapest found', value: `${m(advice.best.perMonthMicros)} a month (calls ${perMonth(advice.best.creditsMicros)}, subscriptions ${perMonth(advice.best.feesMicros)})` },
    { title: 'Subscription price', value: `${m(advice.priceMicros)} a month per user` },
    {
      title: 'Pool licenses',
      value:
        advice.best.poolLicenses === advice.poolLicenses
          ? `${advice.poolLicenses} (${advice.poolLicenses * 60} dial-out minutes a month)`
          : `${advice.poolLicenses} → ${advice.best.poolLicenses} (${advice.best.poolLicenses * 60} dial-out minutes a month)`,
    },
  ];
  const hidden = advice.switches.length - shown.length;
  const warnings = [...advice.warnings];
  if (!advice.search.complete) warnings.push(`The search stopped after ${plural(advice.switches.length, 'switch', 'switches', loc)}: apply these and ask again for more.`);
  return expand({
    months: monthsText,
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    headline: saves ? `Save about ${m(advice.savingPerMonthMicros)} a month` : 'Every organizer already has the cheaper license',
    headlineColor: saves ? 'Good' : 'Default',
    intro: `${plural(advice.legs, 'call', 'calls', loc)} of ${monthsLabel(advice.months, loc)}, re-rated under both licenses with today's rate card and the dial-out pool each assignment leaves.`,
    facts,
    hasSwitches: switches.length > 0,
    switches,
    hasMore: hidden > 0,
    more: `and ${plural(hidden, 'more switch', 'more switches', loc)}: tollgate advise --tenant ${advice.tenantId} lists them all.`,
    hasWarnings: warnings.length > 0,
    warnings: warnings.map((text) => ({ text })),
    footer:
      'Giving a subscription back shrinks the dial-out pool by 60 minutes a month for everyone, and the figures include that. ' +
      'A switch changes Tollgate\'s records; make the same change in the Microsoft 365 admin center.',
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
