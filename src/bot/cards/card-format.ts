import { countryName } from '../../billing/countries';
import { formatMoney, microsToDecimalString, type Micros } from '../../billing/money';
import { MAX_CACHED_KEY_LENGTH, dateTimeFormat, numberFormat } from '../../billing/intl-cache';
import type { CardContext } from './card-context';

/**
 * How cards write figures and names: money in the tenant's currency and the reader's locale, minutes,
 * percentages, moments in the reader's time zone, people and countries. Everything a card shows is text made
 * here, never raw numbers.
 */

/** How a card knows a person: either may be missing. */
export interface PersonName {
  displayName?: string | null;
  upn?: string | null;
}

/** The name people know someone by: display name, else UPN, else the id, else `fallback`. */
export function personLabel(p: PersonName & { id?: string | null }, fallback = 'Unknown organizer'): string {
  return p.displayName?.trim() || p.upn?.trim() || p.id?.trim() || fallback;
}

/** A country's name in the reader's language; says so when the code is missing or unknown. */
export function destinationLabel(country: string | null | undefined, locale: string): string {
  if (!country || !country.trim()) return 'Unknown destination';
  const name = countryName(country.trim(), locale);
  return name === country.trim().toUpperCase() ? `Unknown country (${country.trim()})` : name;
}

export function money(micros: Micros, ctx: Pick<CardContext, 'currency' | 'locale'>): string {
  return formatMoney(micros, ctx.currency, ctx.locale);
}

/** Minutes with at most one decimal: a pool used second by second can be at 119.5. */
export function minutes(value: number, locale: string): string {
  return numberFormat(locale, { maximumFractionDigits: 1 }).format(value);
}

export function wholeNumber(value: number, locale: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A share shown rounded down, so 99.9 % used never reads as 100 %. */
export function percentOf(part: number, whole: number, locale: string): string {
  const share = whole > 0 ? Math.floor((part * 100) / whole) / 100 : 0;
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share);
}

export function plural(count: number, one: string, many: string, locale: string): string {
  return `${wholeNumber(count, locale)} ${count === 1 ? one : many}`;
}

function zone(ctx: Pick<CardContext, 'timeZone'>): string {
  return ctx.timeZone ?? 'UTC';
}

function toDate(at: Date | string): Date | undefined {
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** "4 Mar 2025" (in the reader's locale and zone). */
export function day(at: Date | string, ctx: Pick<CardContext, 'locale' | 'timeZone'>): string {
  const d = toDate(at);
  if (!d) return String(at);
  return dateTimeFormat(ctx.locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: zone(ctx) }).format(d);
}

/** A calendar day given as YYYY-MM-DD: it is a date, not a moment, so no time zone shifts it. */
export function calendarDay(isoDay: string, locale: string, withWeekday = false): string {
  const d = toDate(`${isoDay.slice(0, 10)}T00:00:00Z`);
  if (!d) return isoDay;
  return dateTimeFormat(locale, {
    ...(withWeekday ? { weekday: 'short' as const } : {}),
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d);
}

const MOMENT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** "Tue, 4 Mar 2025, 14:05 UTC". */
export function moment(at: Date | string, ctx: Pick<CardContext, 'locale' | 'timeZone'>): string {
  const d = toDate(at);
  if (!d) return String(at);
  return dateTimeFormat(ctx.locale, { ...MOMENT, timeZone: zone(ctx) }).format(d);
}

/**
 * Ranges as shown, by locale, zone, start and end: ICU's formatRange costs tens of microseconds, a meeting's card
 * shows one per leg, and the same meetings are shown again and again. Bounded.
 */
const MAX_SHOWN_RANGES = 2_000;
const shownRanges = new Map<string, string>();

/** "Tue, 4 Mar 2025, 14:05 – 14:50 UTC"; just the start when the end is unknown. */
export function momentRange(start: Date | string, end: Date | string | null, ctx: Pick<CardContext, 'locale' | 'timeZone'>): string {
  const s = toDate(start);
  const e = end === null ? undefined : toDate(end);
  if (!s) return String(start);
  if (!e || e.getTime() < s.getTime()) return moment(s, ctx);
  const key = `${ctx.locale}|${zone(ctx)}|${s.getTime()}|${e.getTime()}`;
  let shown = shownRanges.get(key);
  if (shown === undefined) {
    shown = dateTimeFormat(ctx.locale, { ...MOMENT, timeZone: zone(ctx) }).formatRange(s, e);
    if (key.length > MAX_CACHED_KEY_LENGTH) return shown;
    if (shownRanges.size >= MAX_SHOWN_RANGES) shownRanges.delete(shownRanges.keys().next().value!);
    shownRanges.set(key, shown);
  }
  return shown;
}

/** A calendar month given as YYYY-MM: "March 2025". */
export function monthName(month: string, locale: string): string {
  const d = toDate(`${month.slice(0, 7)}-01T00:00:00Z`);
  if (!d) return month;
  return dateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** Two calendar days (YYYY-MM-DD) as a range: "Mar 1 – 31, 2025"; one day when they are the same. */
export function calendarRange(from: string, to: string, locale: string): string {
  const a = toDate(`${from.slice(0, 10)}T00:00:00Z`);
  const b = toDate(`${to.slice(0, 10)}T00:00:00Z`);
  if (!a || !b || b.getTime() < a.getTime()) return calendarDay(from, locale);
  return dateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).formatRange(a, b);
}

/**
 * A price per minute or a fee: like money, but never rounded to the currency's minor unit, because a rate of
 * $0.045 a minute is not $0.05. Shows up to six decimals, at least the currency's usual ones.
 */
export function rateMoney(micros: Micros, currency: string, locale: string): string {
  const formatter = numberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 6 });
  // Exact decimal text, as formatMoney does: Intl.NumberFormat v3 formats numeric strings without a float.
  const formatExact = formatter.format as unknown as (value: string) => string;
  return formatExact.call(formatter, microsToDecimalString(micros));
}
