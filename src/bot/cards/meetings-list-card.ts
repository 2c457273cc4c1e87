import type { MeetingView } from '../../usage/meeting-queries';
import type { CardContext } from './card-context';
import { minutes, momentRange, money, personLabel, plural, type PersonName } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './meetings-list-card.json';

export interface MeetingsListInput {
  meetings: readonly MeetingView[];
  /** Meeting titles by conferenceId, where Tollgate learned them. */
  titles?: ReadonlyMap<string, string>;
  /** Organizer names by AAD object id. */
  organizers?: ReadonlyMap<string, PersonName>;
}

export const MAX_MEETINGS_SHOWN = 10;

interface MeetingsListModel {
  refreshUserIds: string[];
  intro: string;
  meetings: {
    conferenceId: string;
    title: string;
    hasOrganizer: boolean;
    organizer: string;
    when: string;
    detail: string;
    hasFlags: boolean;
    flags: string;
    amount: string;
  }[];
  footer: string;
}

const expand = cardExpander<MeetingsListModel>('meetings list card', template);

function paidBySummary(p: MeetingView['paidBy'], locale: string): string {
  const parts: string[] = [];
  if (p.credits > 0) parts.push(`${plural(p.credits, 'call', 'calls', locale)} from credits`);
  if (p.pool > 0) parts.push(`${p.pool} from the pool`);
  if (p.subscription > 0) parts.push(`${p.subscription} in the subscription`);
  if (p.addon > 0) parts.push(`${p.addon} on the US/Canada add-on`);
  return parts.join(', ');
}

/** The latest meetings with what they cost; each opens its meeting cost card (verb show.meeting). */
export function buildMeetingsListCard(input: MeetingsListInput, ctx: CardContext): AdaptiveCardJson {
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const all = [...input.meetings].sort((a, b) => (a.firstStart < b.firstStart ? 1 : a.firstStart > b.firstStart ? -1 : 0));
  const shown = all.slice(0, MAX_MEETINGS_SHOWN);
  const meetings = shown.map((m) => {
    const name = m.organizerId ? input.organizers?.get(m.organizerId) : undefined;
    const organizer = name ? personLabel(name) : '';
    const paid = paidBySummary(m.paidBy, loc);
    return {
      conferenceId: m.conferenceId,
      title: input.titles?.get(m.conferenceId)?.trim() || `Meeting ${m.conferenceId}`,
      hasOrganizer: organizer !== '',
      organizer: ` · ${organizer}`,
      when: momentRange(m.firstStart, m.lastEnd, ctx),
      detail: [
        `${plural(m.legs, 'call', 'calls', loc)} · ${minutes(m.billedMinutes, loc)} min`,
        ...(m.poolMinutes > 0 ? [`${minutes(m.poolMinutes, loc)} pool min`] : []),
        ...(paid ? [paid] : []),
      ].join(' · '),
      hasFlags: m.flaggedLegs > 0,
      flags: `⚠ ${plural(m.flaggedLegs, 'call needs', 'calls need', loc)} attention`,
      amount: money(m.chargeMicros, fmt),
    };
  });
  const total = shown.reduce((s, m) => s + m.chargeMicros, 0);
  return expand({
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    intro:
      meetings.length === 0
        ? 'No meetings with dial-in or dial-out calls yet. Meetings appear here once their calls are imported or reported.'
        : `${meetings.length === 1 ? 'The latest meeting' : `The latest ${meetings.length} meetings`} with phone calls: ${money(total, fmt)} in all. Pick one to see its calls.`,
    meetings,
    footer:
      all.length > shown.length
        ? `${all.length - shown.length} older meetings are not shown. Type "meeting <conferenceId>" for any meeting.`
        : 'Estimated by Tollgate from the calls it has rated.',
  });
}
