/**
 * An organizer's night hours need their time zone, and Tollgate only knows each user's usage location (a country).
 * So: one time zone per country, for the countries of data/rates.sample.csv and a few more. It is APPROXIMATE: a
 * country spanning several zones gets its most populous one (US → Chicago, Central time, one to two hours off for
 * either coast; Canada → Toronto; Australia → Sydney; Brazil → São Paulo; Russia → Moscow). An admin sets a zone per
 * country for their tenant when this guess is wrong for them (`fraud set timezone US America/Los_Angeles`). A country
 * not in the table, and an organizer Tollgate does not know, fall back to UTC.
 *
 * Local times come from Intl (the IANA database the runtime ships), with daylight saving time; the UTC offset is
 * computed once per zone and day (per hour on the two days a year it changes) and kept: the per-leg cost is a Map read.
 */
export const COUNTRY_TIME_ZONES: Readonly<Record<string, string>> = {
  AE: 'Asia/Dubai',
  AR: 'America/Argentina/Buenos_Aires',
  AT: 'Europe/Vienna',
  AU: 'Australia/Sydney',
  BE: 'Europe/Brussels',
  BG: 'Europe/Sofia',
  BR: 'America/Sao_Paulo',
  CA: 'America/Toronto',
  CH: 'Europe/Zurich',
  CL: 'America/Santiago',
  CN: 'Asia/Shanghai',
  CO: 'America/Bogota',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  EE: 'Europe/Tallinn',
  EG: 'Africa/Cairo',
  ES: 'Europe/Madrid',
  FI: 'Europe/Helsinki',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GR: 'Europe/Athens',
  HK: 'Asia/Hong_Kong',
  HR: 'Europe/Zagreb',
  HU: 'Europe/Budapest',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IN: 'Asia/Kolkata',
  IT: 'Europe/Rome',
  JP: 'Asia/Tokyo',
  KE: 'Africa/Nairobi',
  KR: 'Asia/Seoul',
  LU: 'Europe/Luxembourg',
  MX: 'America/Mexico_City',
  MY: 'Asia/Kuala_Lumpur',
  NG: 'Africa/Lagos',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  NZ: 'Pacific/Auckland',
  PH: 'Asia/Manila',
  PK: 'Asia/Karachi',
  PL: 'Europe/Warsaw',
  PR: 'America/Puerto_Rico',
  PT: 'Europe/Lisbon',
  RO: 'Europe/Bucharest',
  RU: 'Europe/Moscow',
  SA: 'Asia/Riyadh',
  SE: 'Europe/Stockholm',
  SG: 'Asia/Singapore',
  SI: 'Europe/Ljubljana',
  SK: 'Europe/Bratislava',
  TH: 'Asia/Bangkok',
  TR: 'Europe/Istanbul',
  TW: 'Asia/Taipei',
  UA: 'Europe/Kyiv',
  US: 'America/Chicago',
  VN: 'Asia/Ho_Chi_Minh',
  ZA: 'Africa/Johannesburg',
};

export const FALLBACK_TIME_ZONE = 'UTC';

/** The zone night hours are judged in: the tenant's own choice for the country, else the table, else UTC. */
export function timeZoneFor(country: string | null | undefined, overrides: Readonly<Record<string, string>> = NO_OVERRIDES): string {
  // Once per dial-out settled: the answers kept per overrides object, when it is frozen (parseStoredSettings freezes
  // the ones it makes), so a country's zone is one Map read, not an upper-casing and two property reads.
  if (!Object.isFrozen(overrides)) return zoneOf(country, overrides);
  let zones = zonesPerOverrides.get(overrides);
  if (!zones) zonesPerOverrides.set(overrides, (zones = new Map()));
  const k = country ?? '';
  let zone = zones.get(k);
  if (zone === undefined) {
    zone = zoneOf(country, overrides);
    if (zones.size >= 1000) zones.clear();
    zones.set(k, zone);
  }
  return zone;
}

const NO_OVERRIDES: Readonly<Record<string, string>> = Object.freeze({});
const zonesPerOverrides = new WeakMap<Readonly<Record<string, string>>, Map<string, string>>();

function zoneOf(country: string | null | undefined, overrides: Readonly<Record<string, string>>): string {
  const code = (country ?? '').toUpperCase();
  return overrides[code] ?? COUNTRY_TIME_ZONES[code] ?? FALLBACK_TIME_ZONE;
}

const validZones = new Map<string, boolean>();

/** Whether the runtime knows this IANA zone name ("Europe/Berlin"; not "CET+1" or "Mars/Olympus"). */
export function isTimeZone(zone: string): boolean {
  let known = validZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
      known = false;
    }
    if (validZones.size < 1000) validZones.set(zone, known);
  }
  return known;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone: UTC day number → the offset all that day, or NaN on a day the offset changes (then per hour). */
const dayOffsets = new Map<string, Map<number, number>>();
/** Per zone: UTC hour number → offset, for the days the offset changes on. */
const hourOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED = 50_000;

/** The offset at the start of a UTC hour: the wall-clock time then, read as if it were UTC, minus that instant. */
function offsetAtHour(zone: string, hourNumber: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(zone, f);
  }
  const hourStart = hourNumber * HOUR_MS;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(hourStart))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - hourStart;
}

function keep(maps: Map<string, Map<number, number>>, zone: string, n: number, offset: number): number {
  let byNumber = maps.get(zone);
  if (!byNumber) maps.set(zone, (byNumber = new Map()));
  if (byNumber.size >= MAX_CACHED) byNumber.clear();
  byNumber.set(n, offset);
  return offset;
}

/**
 * The zone's offset from UTC at `ms`, in milliseconds (Berlin in summer: +7,200,000). Offsets change at most once a
 * day and only on the hour: a day whose first and last hour have the same offset has it all day, so Intl is asked
 * twice per zone and day, and per hour only on the days daylight saving time starts or ends. Called for every
 * dial-out intake settles: once a day is known, two Map reads and no allocation.
 */
export function utcOffsetMs(zone: string, ms: number): number {
  const hourNumber = Math.floor(ms / HOUR_MS);
  const dayNumber = Math.floor(hourNumber / 24);
  let allDay = dayOffsets.get(zone)?.get(dayNumber);
  if (allDay === undefined) {
    const first = offsetAtHour(zone, dayNumber * 24);
    allDay = keep(dayOffsets, zone, dayNumber, first === offsetAtHour(zone, dayNumber * 24 + 23) ? first : NaN);
  }
  if (!Number.isNaN(allDay)) return allDay;
  return hourOffsets.get(zone)?.get(hourNumber) ?? keep(hourOffsets, zone, hourNumber, offsetAtHour(zone, hourNumber));
}

/** The local hour (0 to 23, with minutes as a fraction: 1.5 is 01:30) of `ms` in `zone`. */
export function localHour(zone: string, ms: number): number {
  const local = ms + utcOffsetMs(zone, ms);
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

const dayTexts = new Map<number, string>();
/** "YYYY-MM-DD" of a local or UTC moment given as epoch milliseconds already shifted to that clock. */
function dayText(shiftedMs: number): string {
  // Per dial-out in the night hours: the same few dates come up for every leg of a chunk.
  const dayNumber = Math.floor(shiftedMs / DAY_MS);
  let text = dayTexts.get(dayNumber);
  if (text === undefined) {
    text = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    if (dayTexts.size >= 10_000) dayTexts.clear();
    dayTexts.set(dayNumber, text);
  }
  return text;
}

/**
 * The night a moment falls in, when it falls in the night hours [startHour, endHour) local time (a window that wraps
 * midnight, 22 to 6, is one night): the local date the night began on. Undefined outside the night hours, and when
 * start equals end (no night hours).
 */
export function nightOf(zone: string, ms: number, startHour: number, endHour: number): string | undefined {
  if (startHour === endHour) return undefined;
  const local = ms + utcOffsetMs(zone, ms);
  const hour = (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  if (startHour < endHour) return hour >= startHour && hour < endHour ? dayText(local) : undefined;
  if (hour >= startHour) return dayText(local);
  if (hour < endHour) return dayText(local - DAY_MS);
  return undefined;
}

/** "02:40" local time of `ms` in `zone`. */
export function localClock(zone: string, ms: number): string {
  const h = localHour(zone, ms);
  const minutes = Math.floor(h * 60 + 1e-9);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
