import type { IncidentWithMeetings } from '../../fraud/fraud-admin';
import { blockTargetWords, incidentSummary, patternTitle, statusWords } from '../../fraud/incident-words';
import { PATTERN_WORDS } from '../../fraud/fraud-patterns';
import type { CardContext } from './card-context';
import { minutes, moment, money, personLabel, plural } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import template from './fraud-incident-card.json';

export interface FraudIncidentCardInput {
  incident: IncidentWithMeetings;
  /** Meeting titles by conferenceId, where Tollgate learned them. */
  meetingTitles?: ReadonlyMap<string, string>;
  /** What was just done (after an admin's action), shown at the top. */
  notice?: string;
}

/** Teams rejects cards over about 28 KB: the card lists the latest meetings and counts the rest. */
export const MAX_INCIDENT_MEETINGS_SHOWN = 5;

interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: { incidentId: string };
  style?: 'positive' | 'destructive';
}

interface IncidentModel {
  incidentId: string;
  refreshUserIds: string[];
  title: string;
  status: string;
  statusColor: 'Attention' | 'Good' | 'Default';
  hasNotice: boolean;
  notice: string;
  summary: string;
  why: string;
  facts: { title: string; value: string }[];
  hasMeetings: boolean;
  meetings: { label: string; detail: string; conferenceId: string; hasConference: boolean }[];
  hasMoreMeetings: boolean;
  moreMeetings: string;
  footer: string;
  actions: ExecuteAction[];
}

const expand = cardExpander<IncidentModel>('fraud incident card', template);

/**
 * A toll-fraud incident for an admin: what happened, which organizer and meetings, the cost so far, and the decisions
 * (restrict the organizer to domestic dial-out, block the destination, dismiss). Sent proactively when the incident
 * opens; refreshes with verb fraud.incident and data { incidentId }. The buttons carry only the incident id: the
 * tenant and the admin come from the activity that clicks them.
 */
export function buildFraudIncidentCard(input: FraudIncidentCardInput, ctx: CardContext): AdaptiveCardJson {
  const i = input.incident;
  const fmt = { currency: ctx.currency, locale: ctx.locale };
  const loc = ctx.locale;
  const organizer = personLabel({ displayName: i.organizerName, upn: null, id: i.organizerUpn ?? i.organizerId });
  const facts = [
    { title: 'Organizer', value: i.organizerUpn && organizer !== i.organizerUpn ? `${organizer} (${i.organizerUpn})` : organizer },
    { title: 'Calls', value: `${plural(i.legs, 'dial-out', 'dial-outs', loc)}, ${minutes(i.dialOutSeconds / 60, loc)} min` },
    { title: 'Cost so far', value: money(i.costMicros, fmt) },
    { title: 'First call', value: moment(i.firstLegAt, ctx) },
    { title: 'Latest call', value: moment(i.lastLegAt, ctx) },
    { title: 'Destination', value: blockTargetWords(i.blockTarget, loc) },
    { title: 'Opened', value: moment(i.openedAt, ctx) },
  ];
  if (i.status !== 'open' && i.resolvedAt) facts.push({ title: i.status === 'dismissed' ? 'Dismissed' : 'Resolved', value: `${moment(i.resolvedAt, ctx)} by ${i.resolvedBy ?? 'an admin'}` });

  const meetingLabel = (id: string | null) => (id === null ? 'Calls without a meeting' : input.meetingTitles?.get(id)?.trim() || `Meeting ${id}`);
  const meetings = i.meetings.slice(0, MAX_INCIDENT_MEETINGS_SHOWN).map((m) => ({
    label: meetingLabel(m.conferenceId),
    detail: `${plural(m.legs, 'matching call', 'matching calls', loc)} · latest ${moment(m.lastStartAt, ctx)}`,
    conferenceId: m.conferenceId ?? '',
    hasConference: m.conferenceId !== null,
  }));
  const hidden = i.meetings.length - meetings.length;

  const data = { incidentId: i.id };
  const actions: ExecuteAction[] = [];
  // A dismissed incident keeps these: the admin may think again.
  if (!i.actions.includes('restricted')) actions.push({ type: 'Action.Execute', title: 'Restrict to domestic dial-out', verb: 'fraud.restrict', data, style: 'destructive' });
  if (!i.actions.includes('blocked')) actions.push({ type: 'Action.Execute', title: `Block ${blockTargetWords(i.blockTarget, loc)}`, verb: 'fraud.block', data, style: 'destructive' });
  if (i.status === 'open') actions.push({ type: 'Action.Execute', title: 'Dismiss: not fraud', verb: 'fraud.dismiss', data });
  actions.push({ type: 'Action.Execute', title: 'Refresh', verb: 'fraud.incident', data });

  return expand({
    incidentId: i.id,
    refreshUserIds: [...(ctx.refreshUserIds ?? [])],
    title: patternTitle(i.pattern),
    status: statusWords(i).toUpperCase(),
    statusColor: i.status === 'open' ? 'Attention' : i.status === 'resolved' ? 'Good' : 'Default',
    hasNotice: !!input.notice,
    notice: input.notice ?? ' ',
    summary: incidentSummary(i, ctx.currency, loc),
    why: PATTERN_WORDS[i.pattern].why,
    facts,
    hasMeetings: meetings.length > 0,
    meetings,
    hasMoreMeetings: hidden > 0,
    moreMeetings: `and ${plural(hidden, 'more meeting', 'more meetings', loc)}`,
    footer:
      "Restrict sets the organizer's own dial-out policy to domestic-only for meetings (their phone calls keep what they had). " +
      'Block adds the destination to the block list: Tollgate refuses dial-outs to it. Dismiss marks these calls as not fraud. Every decision is audited.',
    actions,
  });
}
