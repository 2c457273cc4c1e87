import { countryName } from '../billing/countries';
import { formatMoney } from '../billing/money';
import { PATTERN_WORDS, type FraudPattern } from './fraud-patterns';
import type { MatchDetail } from './rules';

/** An incident as the admin surfaces (card, CLI, JSON) show it. */
export interface IncidentView {
  id: string;
  organizerId: string;
  /** From the directory when Tollgate knows the organizer, else what the call records said. */
  organizerName: string | null;
  organizerUpn: string | null;
  pattern: FraudPattern;
  status: 'open' | 'resolved' | 'dismissed';
  legs: number;
  dialOutSeconds: number;
  costMicros: number;
  firstLegAt: string;
  lastLegAt: string;
  openedAt: string;
  updatedAt: string;
  /** The figures of the latest matching leg. */
  detail: MatchDetail;
  /** What "block destination" adds to the block list: "+digits" or a country code. */
  blockTarget: string;
  actions: IncidentAction[];
  resolvedAt: string | null;
  resolvedBy: string | null;
}

export type IncidentAction = 'restricted' | 'blocked';

export interface IncidentMeeting {
  conferenceId: string | null;
  legs: number;
  lastStartAt: string;
}

/** "numbers starting +449" or "Nigeria (NG)". */
export function blockTargetWords(target: string, locale = 'en'): string {
  if (target.startsWith('+')) return `numbers starting ${target}`;
  const name = countryName(target, locale);
  return name === target ? target : `${name} (${target})`;
}

const minutes = (seconds: number) => Math.round((seconds / 60) * 10) / 10;
const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What happened, in one or two sentences, from the incident's totals and its latest match. */
export function incidentSummary(i: Pick<IncidentView, 'detail' | 'legs' | 'dialOutSeconds' | 'blockTarget'>, currency: string, locale = 'en'): string {
  const d = i.detail;
  const calls = `${plural(i.legs, 'dial-out', 'dial-outs')} (${minutes(i.dialOutSeconds)} min)`;
  switch (d.pattern) {
    case 'premium_rate':
      return `${calls} to ${blockTargetWords(i.blockTarget, locale)} at ${formatMoney(d.ratePerMinuteMicros, currency, locale)}/min, above the ${formatMoney(d.ceilingMicros, currency, locale)}/min rate ceiling.`;
    case 'minutes_spike':
      return (
        `${d.minutes} dial-out minutes in one ${d.window === 'hour' ? 'clock hour' : 'day'}, above the limit of ${d.limitMinutes}: ` +
        `the organizer's 28-day average is ${d.baselineMinutesPerDay} minutes a day. ${calls} so far.`
      );
    case 'new_country':
      return `${calls} to ${countryName(d.country, locale)}, a country nobody in the organization had called before ${new Date(d.firstCallMs).toISOString().slice(0, 16).replace('T', ' ')} UTC.`;
    case 'short_call_burst':
      return `${d.shortCalls} short dial-outs on ${d.day} to numbers starting +${d.range}. ${calls} in this incident.`;
    case 'night_hours':
      return `${d.nightMinutes} dial-out minutes in the organizer's night, the latest call at ${d.localTime} (${d.timeZone}). ${calls} in this incident.`;
  }
}

export function patternTitle(p: FraudPattern): string {
  return PATTERN_WORDS[p].title;
}

export function statusWords(i: Pick<IncidentView, 'status' | 'actions'>): string {
  if (i.status === 'open') return 'Open';
  if (i.status === 'dismissed') return 'Dismissed';
  const done = i.actions.map((a) => (a === 'restricted' ? 'organizer restricted' : 'destination blocked'));
  return `Resolved: ${done.join(', ') || 'handled'}`;
}
