import { ruleEnabled, type FraudSettings } from './fraud-settings';
import type { FraudPattern } from './fraud-patterns';
import { BASELINE_DAYS, type DialOut, type LegFacts, type RecentHistory } from './recent-history';
import { localClock } from './time-zones';

/**
 * The toll-fraud rules: pure functions of one dial-out, its buckets and the recent history (which already holds the
 * leg when it was settled). No I/O, no clock: the same leg and history always give the same matches.
 */

export type MatchDetail =
  | { pattern: 'premium_rate'; ratePerMinuteMicros: number; ceilingMicros: number }
  | { pattern: 'minutes_spike'; window: 'hour' | 'day'; minutes: number; limitMinutes: number; baselineMinutesPerDay: number }
  | { pattern: 'new_country'; country: string; firstCallMs: number }
  | { pattern: 'short_call_burst'; range: string; shortCalls: number; day: string }
  | { pattern: 'night_hours'; localTime: string; timeZone: string; nightMinutes: number };

export interface FraudMatch {
  pattern: FraudPattern;
  detail: MatchDetail;
  /** What an admin would block: "+" and a number prefix ("+449", a number range), or a country ("NG"). */
  blockTarget: string;
}

export interface CheckContext {
  settings: FraudSettings;
  /** The tenant's own country: calls to it are never to a new country. */
  tenantCountry: string;
  /**
   * settle: the leg happened and is in the history. probe: a call about to be placed (authorize), not in the history:
   * does placing it continue a pattern already under way (or is the destination itself the risk)?
   */
  mode: 'settle' | 'probe';
}

const minutes = (seconds: number) => Math.round((seconds / 60) * 10) / 10;

/**
 * Whether checking this leg needs the organizer's 28-day baseline: only when its day or one of its hours is above the
 * minutes_spike floors (the limits are never lower), so the store reads baselines for the few organizers that are.
 */
export function needsBaseline(leg: DialOut, f: LegFacts, history: RecentHistory, settings: FraudSettings): boolean {
  if (!ruleEnabled(settings, 'minutes_spike')) return false;
  if (history.daySeconds(leg.organizerKey, f.day) > settings.spikeDayMinutes * 60) return true;
  for (const h of f.hours) if (history.hourSeconds(leg.organizerKey, h.day, h.hour) > settings.spikeHourMinutes * 60) return true;
  return false;
}

export function checkDialOut(leg: DialOut, f: LegFacts, history: RecentHistory, ctx: CheckContext): FraudMatch[] {
  const s = ctx.settings;
  const out: FraudMatch[] = [];

  if (ruleEnabled(s, 'premium_rate') && leg.ratePerMinuteMicros !== null && leg.ratePerMinuteMicros > s.rateCeilingMicros) {
    out.push({
      pattern: 'premium_rate',
      detail: { pattern: 'premium_rate', ratePerMinuteMicros: leg.ratePerMinuteMicros, ceilingMicros: s.rateCeilingMicros },
      blockTarget: leg.ratePrefix ? `+${leg.ratePrefix}` : `+${f.range}`,
    });
  }

  if (ruleEnabled(s, 'minutes_spike')) {
    // The limits are at least the floors: below them the baseline cannot matter, and is not even needed.
    const today = history.daySeconds(leg.organizerKey, f.day);
    let busiest = 0;
    for (const h of f.hours) busiest = Math.max(busiest, history.hourSeconds(leg.organizerKey, h.day, h.hour));
    if (today > s.spikeDayMinutes * 60 || busiest > s.spikeHourMinutes * 60) {
      const baseline = history.baselineSeconds(leg.organizerKey, f.day) / BASELINE_DAYS;
      const hourLimit = Math.max(s.spikeHourMinutes * 60, s.spikeHourFactor * baseline);
      const dayLimit = Math.max(s.spikeDayMinutes * 60, s.spikeDayFactor * baseline);
      const detail = (window: 'hour' | 'day', used: number, limit: number): MatchDetail => ({
        pattern: 'minutes_spike',
        window,
        minutes: minutes(used),
        limitMinutes: minutes(limit),
        baselineMinutesPerDay: minutes(baseline),
      });
      const spike = busiest > hourLimit ? detail('hour', busiest, hourLimit) : today > dayLimit ? detail('day', today, dayLimit) : undefined;
      if (spike) out.push({ pattern: 'minutes_spike', detail: spike, blockTarget: leg.destinationCountry });
    }
  }

  if (ruleEnabled(s, 'new_country') && leg.destinationCountry !== ctx.tenantCountry && leg.destinationCountry !== leg.organizerCountry) {
    const start = history.historyStartMs;
    const learned = start !== undefined && leg.startMs >= start + s.learningDays * 86_400_000;
    // A probe's country is new when nobody called it yet; a settled leg is in the history, so its own call counts.
    const first = history.countryFirstCall(leg.destinationCountry);
    const isNew = first === undefined ? ctx.mode === 'probe' : leg.startMs - first < s.newCountryHours * 3_600_000;
    if (learned && isNew) {
      out.push({
        pattern: 'new_country',
        detail: { pattern: 'new_country', country: leg.destinationCountry, firstCallMs: first ?? leg.startMs },
        blockTarget: leg.destinationCountry,
      });
    }
  }

  if (ruleEnabled(s, 'short_call_burst') && (ctx.mode === 'probe' || f.short)) {
    const count = history.shortCalls(f.range, f.day);
    if (count >= s.shortCallsPerRange) {
      out.push({ pattern: 'short_call_burst', detail: { pattern: 'short_call_burst', range: f.range, shortCalls: count, day: f.day }, blockTarget: `+${f.range}` });
    }
  }

  if (ruleEnabled(s, 'night_hours') && f.night) {
    const night = history.nightSeconds(leg.organizerKey, f.night);
    if (night >= s.nightMinutes * 60) {
      out.push({
        pattern: 'night_hours',
        detail: { pattern: 'night_hours', localTime: localClock(f.timeZone, leg.startMs), timeZone: f.timeZone, nightMinutes: minutes(night) },
        blockTarget: leg.destinationCountry,
      });
    }
  }
  return out;
}

/** Whether a destination is on a block list entry: a country ("NG") or a number prefix ("+449"). */
export function blockedBy(entries: readonly string[], destination: { digits: string; country: string }): string | undefined {
  for (const e of entries) {
    if (e.startsWith('+') ? destination.digits.startsWith(e.slice(1)) : destination.country === e) return e;
  }
  return undefined;
}

/**
 * A block-list entry as an admin typed it: a country code ("ng", "NG") or a number prefix ("+44 9", "+449…"),
 * normalized, or what is wrong with it.
 */
export function parseBlockTarget(text: string): { ok: true; target: string } | { ok: false; problem: string } {
  const t = text.trim();
  if (/^[A-Za-z]{2}$/.test(t)) return { ok: true, target: t.toUpperCase() };
  if (/^\+[\d ().-]+$/.test(t)) {
    const digits = t.replace(/\D/g, '');
    if (digits.length >= 1 && digits.length <= 15) return { ok: true, target: `+${digits}` };
  }
  return { ok: false, problem: `"${text}" is not a destination to block: give a country code (NG) or a number prefix starting with + (+449, +2348012).` };
}

/**
 * What a match is about, as a key: the same premium prefix, the same day's spike, the same new country, the same
 * range on the same day, the same night. An incident collects its episodes; dismissing it keeps them quiet.
 */
export function episodeOf(match: FraudMatch, f: Pick<LegFacts, 'day' | 'night'>): string {
  const d = match.detail;
  switch (d.pattern) {
    case 'premium_rate':
      return match.blockTarget;
    case 'minutes_spike':
      return f.day;
    case 'new_country':
      return d.country;
    case 'short_call_burst':
      return `${d.range}@${d.day}`;
    case 'night_hours':
      return `night ${f.night ?? f.day}`;
  }
}
