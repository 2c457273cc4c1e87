import type { LegView, MeetingView } from '../../usage/meeting-queries';
import type { OccurrenceWindow } from '../../store/bot-store';
import type { CardContext } from './card-context';
import { destinationLabel, minutes, momentRange, money, personLabel, plural, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import { flagAdvice, flagWords, legKind, LEG_KIND_WORDS, paidByWords } from './leg-words';
import { displayNumber } from './phone-display';
import template from './meeting-cost-card.json';

export interface MeetingCostInput {
  conferenceId: string;
  /** From the meeting end event or Graph; null when Tollgate never learned it. */
  title?: string | null;
  organizer?: PersonName | null;
  legs: readonly LegView[];
  /** The meeting's rollup, when there is one; times come from the legs otherwise. */
  meeting?: Pick<MeetingView, 'firstStart' | 'lastEnd'> | null;
  /** The card shows one occurrence of a recurring meeting: which legs (its Refresh shows the same ones). */
  occurrence?: OccurrenceWindow | null;
  /** The tenant's balance once this meeting's charges were posted. */
  balanceAfterMicros?: number | null;
  /**
   * estimated: Tollgate's own rating; final: every leg was reconciled with Microsoft's billed rows
   * (reconciliation/meeting-status.ts). 'reconciled' is the older name of 'final' and still shows its old label.
   */
  status?: 'estimated' | 'final' | 'reconciled';
}

/** Teams rejects cards over about 28 KB: a meeting with more legs lists the first ones and sums the rest. */
export const MAX_LEGS_SHOWN = 25;

interface MeetingCostModel {
  conferenceId: string;
  /** The occurrence's window for Refresh; empty: the whole meeting. */
  legsAfter: string;
  legsUntil: string;
  refreshUserIds: string[];
  title: string;
  when: string;
  organizer: string;
  total: string;
  totalNote: string;
  statusLabel: string;
  statusColor: 'Good' | 'Warning';
  noLegs: boolean;
  legs: { number: string; detail: string; hasFlags: boolean; flags: string; amount: string }[];
  hasMoreLegs: boolean;
  moreLegs: string;
  totals: { title: string; value: string }[];
  hasAttention: boolean;
  attention: { label: string; advice: string }[];
  status: string;
}

const expand = cardExpander<MeetingCostModel>('meeting cost card', template);

function legEnd(leg: LegView): number {
  return Date.parse(leg.startDateTime) + leg.durationSeconds * 1000;
}

/** What one meeting's dial-in and dial-out legs cost, leg by leg, with who paid and anything that needs attention. */
export function buildMeetingCostCard(input: MeetingCostInput, ctx: CardContext): AdaptiveCardJson {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const legs = [...input.legs].sort((a, b) => (a.startDateTime < b.startDateTime ? -1 : a.startDateTime > b.startDateTime ? 1 : 0));
  const rated = legs.filter((l) => l.status !== 'ignored');

  const chargeMicros = rated.reduce((s, l) => s + l.chargeMicros, 0);
  const billedMinutes = rated.reduce((s, l) => s + l.billedMinutes, 0);
  const poolMinutes = rated.reduce((s, l) => s + l.poolMinutes, 0);

  let start: string | null = input.meeting?.firstStart ?? null;
  let end: string | null = input.meeting?.lastEnd ?? null;
  if (!start && legs.length > 0) start = legs[0]!.startDateTime;
  if (!end && legs.length > 0) end = new Date(Math.max(...legs.map(legEnd))).toISOString();

  const shown = legs.slice(0, MAX_LEGS_SHOWN).map((leg) => {
    const detail = [
      LEG_KIND_WORDS[legKind(leg)],
      destinationLabel(leg.destinationCountry, loc),
      `${minutes(leg.billedMinutes, loc)} min`,
      paidByWords(leg),
    ];
    if (leg.poolMinutes > 0 && leg.paidBy === 'credits') detail.push(`${minutes(leg.poolMinutes, loc)} min from the pool`);
    return {
      number: displayNumber(leg.number, ctx.isAdmin),
      detail: detail.join(' · '),
      hasFlags: leg.flags.length > 0,
      flags: leg.flags.map((f) => `⚠ ${flagWords(f)}`).join('; '),
      amount: money(leg.chargeMicros, fmt),
    };
  });
  const hidden = legs.slice(MAX_LEGS_SHOWN);

  const flagCounts = new Map<string, number>();
  for (const leg of legs) for (const f of new Set(leg.flags)) flagCounts.set(f, (flagCounts.get(f) ?? 0) + 1);
  const attention = [...flagCounts].map(([flag, count]) => ({
    label: `${flagWords(flag)} (${plural(count, 'call', 'calls', loc)})`,
    advice: flagAdvice(flag) || 'Ask a Tollgate admin to look at these calls.',
  }));

  const status = input.status ?? 'estimated';
  const totals = [
    { title: 'Calls', value: wholeCalls(rated.length, legs.length, loc) },
    { title: 'Billed minutes', value: `${minutes(billedMinutes, loc)} min` },
    { title: 'Pool minutes used', value: `${minutes(poolMinutes, loc)} min` },
    { title: 'Charged to credits', value: money(chargeMicros, fmt) },
  ];
  if (input.balanceAfterMicros !== undefined && input.balanceAfterMicros !== null) {
    totals.push({ title: 'Balance after the meeting', value: money(input.balanceAfterMicros, fmt) });
  }

  return expand({
    conferenceId: input.conferenceId,
    legsAfter: input.occurrence?.after ?? '',
    legsUntil: input.occurrence?.until ?? '',
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    title: input.title?.trim() || `Meeting ${input.conferenceId}`,
    when: start ? momentRange(start, end, ctx) : 'Time not known',
    organizer: input.organizer ? personLabel(input.organizer) : 'Unknown organizer',
    total: money(chargeMicros, fmt),
    totalNote: `${plural(rated.length, 'call', 'calls', loc)} · ${minutes(billedMinutes, loc)} billed min · ${minutes(poolMinutes, loc)} pool min`,
    statusLabel: status === 'estimated' ? 'ESTIMATED' : status === 'final' ? 'FINAL' : 'RECONCILED',
    statusColor: status === 'estimated' ? 'Warning' : 'Good',
    noLegs: legs.length === 0,
    legs: shown,
    hasMoreLegs: hidden.length > 0,
    moreLegs: `and ${plural(hidden.length, 'more call', 'more calls', loc)}: ${money(
      hidden.reduce((s, l) => s + (l.status === 'ignored' ? 0 : l.chargeMicros), 0),
      fmt,
    )}`,
    totals,
    hasAttention: attention.length > 0,
    attention,
    status:
      status === 'estimated'
        ? "Status: estimated. Tollgate rated these calls itself; Microsoft's billed figures arrive 24 to 48 hours after the meeting and may differ slightly."
        : "Status: final, reconciled with Microsoft's billed call records.",
  });
}

function wholeCalls(rated: number, all: number, locale: string): string {
  const text = plural(rated, 'call', 'calls', locale);
  return rated === all ? text : `${text} (${all - rated} not rated)`;
}
