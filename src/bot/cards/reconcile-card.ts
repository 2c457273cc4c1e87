import { CAUSE_ADVICE, CAUSE_WORDS } from '../../reconciliation/difference-words';
import type { DifferingCause, MonthReconciliation } from '../../reconciliation/reconciliation';
import type { CardContext } from './card-context';
import { destinationLabel, minutes, moment, money, monthName, plural } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import { legKind, LEG_KIND_WORDS } from './leg-words';
import { displayNumber } from './phone-display';
import template from './reconcile-card.json';

/** A month's reconciliation as reconciliation/reconciliation.ts (Reconciliation.month) produces it. */
export type ReconcileCardInput = Pick<
  MonthReconciliation,
  'month' | 'toleranceMicros' | 'totals' | 'legs' | 'causes' | 'meetingCounts' | 'meetings' | 'differingLegs'
>;

export interface ReconcileCardNames {
  /** Meeting titles by conferenceId, where Tollgate learned them. */
  meetingTitles?: ReadonlyMap<string, string>;
}

/** Teams rejects cards over about 28 KB: the card lists the largest differences and counts the rest. */
export const MAX_LEGS_SHOWN = 10;
export const MAX_MEETINGS_SHOWN = 5;

type Color = 'Default' | 'Good' | 'Warning';

interface ReconcileModel {
  month: string;
  refreshUserIds: string[];
  title: string;
  intro: string;
  difference: string;
  differenceColor: Color;
  differenceNote: string;
  verdict: string;
  totals: { title: string; value: string }[];
  hasCauses: boolean;
  causes: { label: string; advice: string }[];
  hasMeetings: boolean;
  meetings: { label: string; detail: string; amount: string }[];
  hasMoreMeetings: boolean;
  moreMeetings: string;
  hasLegs: boolean;
  legs: { number: string; detail: string; charges: string; cause: string; amount: string }[];
  hasMoreLegs: boolean;
  moreLegs: string;
  footer: string;
}

const expand = cardExpander<ReconcileModel>('reconcile card', template);

const CAUSE_ORDER: readonly DifferingCause[] = ['rate_card', 'pool_or_license', 'rounding', 'currency'];

/**
 * Tollgate's charges against Microsoft's billed ones for a month (admins only): the totals, how many calls agree,
 * differ or wait for Microsoft's records, the likely causes with what to do, and the meetings and calls that differ,
 * largest first. Refreshes with verb refresh.reconcile and data { month }.
 */
export function buildReconcileCard(input: ReconcileCardInput, ctx: CardContext, names: ReconcileCardNames = {}): AdaptiveCardJson {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const signed = (micros: number) => (micros > 0 ? `+${money(micros, fmt)}` : money(micros, fmt));
  const l = input.legs;
  const d = input.totals.differenceMicros;
  const compared = l.compared > 0;
  const agrees = compared && l.differing === 0 && Math.abs(d) <= input.toleranceMicros;

  const meetingLabel = (conferenceId: string | null) =>
    conferenceId === null ? 'Calls without a meeting' : names.meetingTitles?.get(conferenceId)?.trim() || `Meeting ${conferenceId}`;

  const causes = CAUSE_ORDER.filter((c) => input.causes[c] > 0).map((c) => ({
    label: `${CAUSE_WORDS[c]} (${plural(input.causes[c], 'call', 'calls', loc)})`,
    advice: CAUSE_ADVICE[c],
  }));

  const meetings = input.meetings.slice(0, MAX_MEETINGS_SHOWN).map((m) => ({
    label: meetingLabel(m.conferenceId),
    detail: [
      `Tollgate ${money(m.tollgateMicros, fmt)} · Microsoft ${money(m.microsoftMicros, fmt)}`,
      m.differingLegs > 0 ? `${m.differingLegs} of ${plural(m.comparedLegs, 'call differs', 'calls differ', loc)}` : 'small differences add up',
      m.causes.map((c) => CAUSE_WORDS[c]).join(', '),
    ].join(' · '),
    amount: signed(m.differenceMicros),
  }));

  const legs = input.differingLegs.slice(0, MAX_LEGS_SHOWN).map((leg) => {
    const foreign = leg.cause === 'currency';
    return {
      number: displayNumber(leg.number, ctx.isAdmin),
      detail: [
        LEG_KIND_WORDS[legKind(leg)],
        destinationLabel(leg.destinationCountry, loc),
        `${minutes(leg.billedSeconds / 60, loc)} min`,
        moment(leg.startDateTime, ctx),
        meetingLabel(leg.conferenceId),
      ].join(' · '),
      charges: foreign
        ? `Tollgate ${money(leg.tollgateMicros, fmt)} · Microsoft in ${leg.microsoftCurrency ?? 'another currency'}`
        : `Tollgate ${money(leg.tollgateMicros, fmt)} · Microsoft ${money(leg.microsoftMicros, fmt)}`,
      cause: `${leg.causeText}: ${leg.detail}`,
      amount: foreign ? 'Not comparable' : signed(leg.differenceMicros),
    };
  });
  const hiddenLegs = input.differingLegs.length - legs.length;
  const hiddenMeetings = input.meetings.length - meetings.length;

  const totals = [
    { title: 'Tollgate charged', value: money(input.totals.tollgateMicros, fmt) },
    { title: 'Microsoft billed', value: money(input.totals.microsoftMicros, fmt) },
    {
      title: 'Calls compared',
      value: compared ? `${plural(l.compared, 'call', 'calls', loc)}: ${l.matched} match, ${l.differing} differ` : 'None yet',
    },
    {
      title: 'Not yet reconciled',
      value: l.unreconciled > 0 ? `${plural(l.unreconciled, 'call', 'calls', loc)} (${money(l.unreconciledTollgateMicros, fmt)} by Tollgate's rating)` : 'None',
    },
  ];
  if (compared) totals.push({ title: 'Meetings that differ', value: `${input.meetingCounts.differing} of ${input.meetingCounts.compared}` });
  if (l.otherCurrency > 0) totals.push({ title: 'Billed in another currency', value: `${plural(l.otherCurrency, 'call', 'calls', loc)}, not in the totals` });

  return expand({
    month: input.month,
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    title: monthName(input.month, loc),
    intro: compared
      ? `The ${plural(l.compared, 'call', 'calls', loc)} that carry Microsoft's own charge, Tollgate's rating beside what Microsoft billed.`
      : "No call of this month carries Microsoft's charge yet: Microsoft's billed records arrive 24 to 48 hours after a call.",
    difference: signed(d),
    differenceColor: !compared ? 'Default' : agrees ? 'Good' : 'Warning',
    differenceNote: !compared
      ? 'Nothing to compare yet'
      : d > input.toleranceMicros
        ? 'Microsoft billed more than Tollgate charged'
        : d < -input.toleranceMicros
          ? 'Microsoft billed less than Tollgate charged'
          : 'Microsoft and Tollgate agree on the total',
    verdict: !compared ? 'NOT YET' : agrees ? 'AGREES' : 'DIFFERS',
    totals,
    hasCauses: causes.length > 0,
    causes,
    hasMeetings: meetings.length > 0,
    meetings,
    hasMoreMeetings: hiddenMeetings > 0,
    moreMeetings: `and ${plural(hiddenMeetings, 'more meeting', 'more meetings', loc)}`,
    hasLegs: legs.length > 0,
    legs,
    hasMoreLegs: hiddenLegs > 0,
    moreLegs: `and ${plural(hiddenLegs, 'more call', 'more calls', loc)}: tollgate reconcile --month ${input.month} lists them all.`,
    footer: `Differences of up to ${money(input.toleranceMicros, fmt)} a call count as a match. Microsoft's figures come from its billed call records (Graph or the admin center's PSTN usage report).`,
  });
}
