import type { FraudSettings } from './fraud-settings';
import { nightOf, timeZoneFor } from './time-zones';

/**
 * The "recent history" the rules look at, and nothing more: per organizer and day, the dial-out seconds that day
 * (UTC), in each of its 24 UTC hours (a leg is spread over the hours it spans) and started in the organizer's night
 * that began on that (local) date; the 28-day baseline is a sum over 28 such days. Besides: short dial-outs per number
 * range and UTC day, and the countries the tenant has called, with the first call to each. The store keeps exactly
 * these as rollups (the organizer's days as columns of its spend row per organizer and day, which intake writes in
 * every chunk anyway), so checking a leg never scans legs.
 *
 * A RecentHistory starts from what the store holds for the legs at hand and records each leg as it is checked, so a
 * leg sees every leg settled before it, in the same chunk too. What it added is what the store adds to its rows.
 */

/** A settled (or about to be placed) meeting dial-out, as the rules see it. */
export interface DialOut {
  legId: string;
  /** The organizer's AAD object id (or, for an organizer Tollgate does not know, what the record named). */
  organizerKey: string;
  /** The organizer's usage location; the tenant's country for an organizer Tollgate does not know. */
  organizerCountry: string;
  startMs: number;
  durationSeconds: number;
  /** ISO alpha-2 of the called number. */
  destinationCountry: string;
  /** E.164 digits of the called number, without '+'. */
  digits: string;
  /** The destination's rate in force (also when the pool or a subscription paid); null when the card has none. */
  ratePerMinuteMicros: number | null;
  chargeMicros: number;
  conferenceId: string | null;
  /** The rate card row's prefix when the rate is above the ceiling (the guard looks it up): what to block. */
  ratePrefix?: string;
}

/** Derived once per leg: its buckets. */
export interface LegFacts {
  /** The UTC day it started. */
  day: string;
  /** The UTC hours it spans, with the seconds of it in each (a 90-minute call from 10:40 is 20, 60 and 10 minutes). */
  hours: { day: string; hour: number; seconds: number }[];
  /** The organizer's time zone (see time-zones.ts). */
  timeZone: string;
  /** The local date the organizer's night began, when the leg started in the night hours. */
  night?: string;
  /** The number range: the digits without the last `rangeDigits`. */
  range: string;
  /** Connected and at most shortCallSeconds long. */
  short: boolean;
}

/** One organizer's day, as the store keeps it. */
export interface DayTotals {
  seconds: number;
  legs: number;
  /** 24 UTC hours. */
  hours: number[];
  /** Seconds of dial-outs started in the night that began on this (local) date. */
  night: number;
}

export const BASELINE_DAYS = 28;
const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

// Day text per day number: the same few days come up for every leg of a chunk, and consecutive legs (in start order)
// mostly share their day, so the last one is kept beside the map (a number compare, not a Map read).
const dayTexts = new Map<number, string>();
let lastDayNumber = NaN;
let lastDayText = '';
function dayText(dayNumber: number): string {
  if (dayNumber === lastDayNumber) return lastDayText;
  let text = dayTexts.get(dayNumber);
  if (text === undefined) {
    text = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    if (dayTexts.size > 10_000) dayTexts.clear();
    dayTexts.set(dayNumber, text);
  }
  lastDayNumber = dayNumber;
  lastDayText = text;
  return text;
}

export const dayOf = (ms: number): string => dayText(Math.floor(ms / DAY_MS));
/** The day `n` days after `day` (negative: before). */
export function addDays(day: string, n: number): string {
  return dayText(Math.floor(Date.parse(`${day}T00:00:00.000Z`) / DAY_MS) + n);
}

export function legFacts(leg: DialOut, settings: FraudSettings): LegFacts {
  const end = leg.startMs + leg.durationSeconds * 1000;
  // Once per dial-out settled, so no closure per call (tsx names each one it creates) and, for the usual leg within
  // one clock hour, an array of just that hour (pushing onto an empty one reserves room for 17).
  const firstEnd = Math.min(end, (Math.floor(leg.startMs / HOUR_MS) + 1) * HOUR_MS);
  const hours: LegFacts['hours'] = [hourSlice(leg.startMs, Math.round((firstEnd - leg.startMs) / 1000))];
  for (let t = firstEnd; t < end; ) {
    const next = Math.min(end, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    hours.push(hourSlice(t, Math.round((next - t) / 1000)));
    t = next;
  }
  const timeZone = timeZoneFor(leg.organizerCountry, settings.timeZones);
  return {
    day: dayOf(leg.startMs),
    hours,
    timeZone,
    night: nightOf(timeZone, leg.startMs, settings.nightStartHour, settings.nightEndHour),
    range: numberRange(leg.digits, settings),
    short: isShortCall(leg.durationSeconds, settings),
  };
}

/** A number's range: its digits without the last `rangeDigits` (at least one digit left). */
export function numberRange(digits: string, settings: FraudSettings): string {
  return digits.slice(0, Math.max(1, digits.length - settings.rangeDigits));
}

/** Whether a dial-out is a short call: connected, and at most shortCallSeconds long. */
export function isShortCall(durationSeconds: number, settings: FraudSettings): boolean {
  return durationSeconds > 0 && durationSeconds <= settings.shortCallSeconds;
}

function hourSlice(t: number, seconds: number): LegFacts['hours'][number] {
  const hourNumber = Math.floor(t / HOUR_MS);
  return { day: dayText(Math.floor(hourNumber / 24)), hour: hourNumber % 24, seconds };
}

/** Keys join with a character no id, day or number contains. */
export const key = (a: string, b: string): string => `${a}\u0000${b}`;

export function emptyDay(): DayTotals {
  return { seconds: 0, legs: 0, hours: new Array<number>(24).fill(0), night: 0 };
}

/** A day's hours as stored: only the hours with dial-out, "hour:seconds" joined by spaces ("9:1800 10:3600"). */
export function hoursText(hours: readonly number[]): string {
  let text = '';
  for (let h = 0; h < 24; h++) if (hours[h]) text += `${text ? ' ' : ''}${h}:${hours[h]}`;
  return text;
}

/** A day's hours from their text (an hour named more than once counts them all). */
export function hoursFromText(text: string): number[] {
  const hours = new Array<number>(24).fill(0);
  if (!text) return hours;
  for (const part of text.split(' ')) {
    const colon = part.indexOf(':');
    const h = Number(part.slice(0, colon));
    if (h >= 0 && h < 24) hours[h] = hours[h]! + (Number(part.slice(colon + 1)) || 0);
  }
  return hours;
}

/** What the store hands the history for a set of legs: only the rows those legs can touch. */
export interface HistoryRows {
  /**
   * key(organizer, day) → dial-out seconds in the BASELINE_DAYS days before that day (stored legs only). Loaded on
   * demand (see rules.ts needsBaseline): most organizer-days never need one.
   */
  baselines: Map<string, number>;
  /** key(organizer, day) → the stored day. */
  days: Map<string, DayTotals>;
  /** key(range, day) → short dial-outs. */
  shortCalls: Map<string, number>;
  /** Country → the start of the tenant's first dial-out to it (epoch ms). */
  countries: Map<string, number>;
}

export function emptyHistoryRows(): HistoryRows {
  return { baselines: new Map(), days: new Map(), shortCalls: new Map(), countries: new Map() };
}

/** The rows a store must load for these legs. */
export interface HistoryNeeds {
  organizers: string[];
  /** The first and last day any leg touches (its day, the days of its hours, its night): the day rows to load. */
  dayRange: [from: string, to: string] | undefined;
  ranges: [range: string, day: string][];
}

/** `allRanges`: the short-call counts of every leg's range (authorize), not only of the short legs (settlement). */
export function historyNeeds(facts: readonly { leg: DialOut; facts: LegFacts }[], options: { allRanges: boolean }): HistoryNeeds {
  const organizers = new Set<string>();
  const ranges = new Map<string, [string, string]>();
  let from: string | undefined;
  let to: string | undefined;
  const widen = (d: string) => {
    if (from === undefined || d < from) from = d;
    if (to === undefined || d > to) to = d;
  };
  for (const { leg, facts: f } of facts) {
    organizers.add(leg.organizerKey);
    widen(f.day);
    widen(f.hours[f.hours.length - 1]!.day);
    if (f.night) widen(f.night);
    if (f.short || options.allRanges) ranges.set(key(f.range, f.day), [f.range, f.day]);
  }
  return {
    organizers: [...organizers],
    dayRange: from !== undefined && to !== undefined ? [from, to] : undefined,
    ranges: [...ranges.values()],
  };
}

/** Whether the rows read for `read` hold every row `wanted` asks for (the same settings assumed). */
export function coversNeeds(read: HistoryNeeds, wanted: HistoryNeeds): boolean {
  if (wanted.dayRange) {
    if (!read.dayRange || wanted.dayRange[0] < read.dayRange[0] || wanted.dayRange[1] > read.dayRange[1]) return false;
    if (!includesAll(read.organizers, wanted.organizers)) return false;
  }
  const ranges = new Set(read.ranges.map(([range, day]) => key(range, day)));
  for (const [range, day] of wanted.ranges) if (!ranges.has(key(range, day))) return false;
  return true;
}

/** Whether every one of `wanted` is among `read` (organizers read for, organizers wanted). */
export function includesAll(read: readonly string[], wanted: readonly string[]): boolean {
  const ids = new Set(read);
  return wanted.every((id) => ids.has(id));
}

/** Two-level map: organizer → day → value (no key strings to build per lookup). */
type ByOrganizerDay<V> = Map<string, Map<string, V>>;

function get<V>(m: ByOrganizerDay<V>, organizer: string, day: string): V | undefined {
  return m.get(organizer)?.get(day);
}

function put<V>(m: ByOrganizerDay<V>, organizer: string, day: string, v: V): void {
  let days = m.get(organizer);
  if (!days) m.set(organizer, (days = new Map()));
  days.set(day, v);
}

function nested<V>(flat: Map<string, V>): ByOrganizerDay<V> {
  const m: ByOrganizerDay<V> = new Map();
  for (const [k, v] of flat) {
    const [o, d] = k.split('\u0000') as [string, string];
    put(m, o, d, v);
  }
  return m;
}

export class RecentHistory {
  /** What the legs recorded here added, besides the days: the store adds these to its rollups. */
  readonly added = {
    shortCalls: new Map<string, number>(),
    /** Countries first called by these legs (or called earlier than the store knew): country → first start. */
    countries: new Map<string, number>(),
  };
  private readonly stored: ByOrganizerDay<DayTotals>;
  private readonly baselines: ByOrganizerDay<number>;
  /** The days these legs changed, whole (stored values plus what was recorded): the store writes them back. */
  private readonly changed: ByOrganizerDay<DayTotals> = new Map();
  /** The earliest first call to any country: when the tenant's dial-out history began. */
  private firstDialOutMs: number | undefined;

  constructor(private readonly rows: HistoryRows) {
    this.stored = nested(rows.days);
    this.baselines = nested(rows.baselines);
    for (const ms of rows.countries.values()) if (this.firstDialOutMs === undefined || ms < this.firstDialOutMs) this.firstDialOutMs = ms;
  }

  /** Adds a settled leg. Call before the rules look at the leg. */
  record(leg: DialOut, f: LegFacts): void {
    const o = leg.organizerKey;
    const day = this.changing(o, f.day);
    day.seconds += leg.durationSeconds;
    day.legs += 1;
    for (const h of f.hours) if (h.seconds > 0) (h.day === f.day ? day : this.changing(o, h.day)).hours[h.hour]! += h.seconds;
    if (f.night && leg.durationSeconds > 0) this.changing(o, f.night).night += leg.durationSeconds;
    if (f.short) {
      const k = key(f.range, f.day);
      this.added.shortCalls.set(k, (this.added.shortCalls.get(k) ?? 0) + 1);
    }
    const known = this.countryFirstCall(leg.destinationCountry);
    if (known === undefined || leg.startMs < known) this.added.countries.set(leg.destinationCountry, leg.startMs);
    if (this.firstDialOutMs === undefined || leg.startMs < this.firstDialOutMs) this.firstDialOutMs = leg.startMs;
  }

  /**
   * The days the recorded legs changed: what they added to each (seconds, legs, night: the store adds these to its
   * row) and the day's hours as they now stand, stored and added (the store keeps them whole: the rows were read under
   * the tenant's lock with every day the legs can touch, so nothing else changed them).
   */
  addedDays(): [organizer: string, day: string, added: Omit<DayTotals, 'hours'>, hours: readonly number[]][] {
    const out: [string, string, Omit<DayTotals, 'hours'>, readonly number[]][] = [];
    for (const [o, days] of this.changed) {
      for (const [d, v] of days) {
        const stored = get(this.stored, o, d);
        out.push([o, d, stored ? { seconds: v.seconds - stored.seconds, legs: v.legs - stored.legs, night: v.night - stored.night } : v, v.hours]);
      }
    }
    return out;
  }

  private changing(organizer: string, day: string): DayTotals {
    let d = get(this.changed, organizer, day);
    if (!d) {
      const stored = get(this.stored, organizer, day);
      d = stored ? { seconds: stored.seconds, legs: stored.legs, hours: [...stored.hours], night: stored.night } : emptyDay();
      put(this.changed, organizer, day, d);
    }
    return d;
  }

  private day(organizer: string, day: string): DayTotals | undefined {
    return get(this.changed, organizer, day) ?? get(this.stored, organizer, day);
  }

  hasBaseline(organizer: string, day: string): boolean {
    return get(this.baselines, organizer, day) !== undefined;
  }

  /** What the store holds for the days before `day` (the legs recorded here are added by baselineSeconds). */
  setBaseline(organizer: string, day: string, storedSeconds: number): void {
    put(this.baselines, organizer, day, storedSeconds);
  }

  /** Seconds the organizer dialed out in the BASELINE_DAYS days before `day`. */
  baselineSeconds(organizer: string, day: string): number {
    let total = get(this.baselines, organizer, day) ?? 0;
    const from = addDays(day, -BASELINE_DAYS);
    // Legs recorded here on earlier days are not in the stored sum yet: what their days gained over the stored ones.
    for (const [d, changed] of this.changed.get(organizer) ?? []) if (d >= from && d < day) total += changed.seconds - (get(this.stored, organizer, d)?.seconds ?? 0);
    return total;
  }

  daySeconds(organizer: string, day: string): number {
    return this.day(organizer, day)?.seconds ?? 0;
  }

  hourSeconds(organizer: string, day: string, hour: number): number {
    return this.day(organizer, day)?.hours[hour] ?? 0;
  }

  nightSeconds(organizer: string, night: string): number {
    return this.day(organizer, night)?.night ?? 0;
  }

  shortCalls(range: string, day: string): number {
    const k = key(range, day);
    return (this.rows.shortCalls.get(k) ?? 0) + (this.added.shortCalls.get(k) ?? 0);
  }

  /** When the tenant first called the country (epoch ms), or undefined when it never has. */
  countryFirstCall(country: string): number | undefined {
    const stored = this.rows.countries.get(country);
    const added = this.added.countries.get(country);
    if (stored === undefined) return added;
    if (added === undefined) return stored;
    return Math.min(stored, added);
  }

  get historyStartMs(): number | undefined {
    return this.firstDialOutMs;
  }
}
