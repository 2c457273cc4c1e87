import { formatMoney, parseAmount, type Micros } from '../billing/money';
import { failure, ok, type Outcome } from '../outcome';
import { FRAUD_PATTERNS, isFraudPattern, type FraudPattern } from './fraud-patterns';
import { isTimeZone, timeZoneFor } from './time-zones';

/**
 * A tenant's toll-fraud settings: whether suspected fraud is refused in real time, which rules run, and each rule's
 * thresholds. Every tenant starts with the defaults below; an admin changes one setting at a time (audited).
 */
export interface FraudSettings {
  /** On: authorize refuses dial-outs that match a rule (suspected_toll_fraud). Off: it allows them and flags them. */
  blocking: boolean;
  /** Rules switched off. */
  disabled: FraudPattern[];
  /** premium_rate: a dial-out whose per-minute rate is above this, in micro-units of the tenant's currency. */
  rateCeilingMicros: Micros;
  /** minutes_spike: dial-out minutes in one clock hour above max(this, hour factor × the 28-day daily average). */
  spikeHourMinutes: number;
  spikeHourFactor: number;
  /** minutes_spike: dial-out minutes in one UTC day above max(this, day factor × the 28-day daily average). */
  spikeDayMinutes: number;
  spikeDayFactor: number;
  /** new_country: no alarms until the tenant's first dial-out is this many days old (it is learning its countries). */
  learningDays: number;
  /** new_country: calls to a country first called less than this many hours earlier still count as new. */
  newCountryHours: number;
  /** short_call_burst: a connected dial-out of at most this many seconds is short. */
  shortCallSeconds: number;
  /** short_call_burst: this many short dial-outs to one number range in one UTC day. */
  shortCallsPerRange: number;
  /** short_call_burst: a number range is a number without its last this-many digits (3: 1,000 numbers). */
  rangeDigits: number;
  /** night_hours: the organizer's night, local hours [start, end); 22 and 6 is a night across midnight. */
  nightStartHour: number;
  nightEndHour: number;
  /** night_hours: dial-out minutes started in one night before it counts. */
  nightMinutes: number;
  /** Time zones the admin chose per usage-location country (ISO alpha-2 → IANA), over the built-in guesses. */
  timeZones: Record<string, string>;
}

export const DEFAULT_FRAUD_SETTINGS: Readonly<FraudSettings> = Object.freeze({
  blocking: false,
  disabled: [],
  rateCeilingMicros: 1_000_000,
  spikeHourMinutes: 240,
  spikeHourFactor: 3,
  spikeDayMinutes: 480,
  spikeDayFactor: 5,
  learningDays: 14,
  newCountryHours: 24,
  shortCallSeconds: 60,
  shortCallsPerRange: 10,
  rangeDigits: 3,
  nightStartHour: 1,
  nightEndHour: 5,
  nightMinutes: 30,
  timeZones: {},
});

export function defaultFraudSettings(): FraudSettings {
  return { ...DEFAULT_FRAUD_SETTINGS, disabled: [], timeZones: {} };
}

/** Settings as stored (JSON text; null when the tenant never changed any): unknown or broken values fall back to defaults. */
export function parseStoredSettings(text: string | null | undefined): FraudSettings {
  const settings = parsedSettings(text);
  // Frozen: timeZoneFor keeps its answers per frozen overrides object (changeSetting copies them before changing).
  Object.freeze(settings.timeZones);
  return settings;
}

function parsedSettings(text: string | null | undefined): FraudSettings {
  const settings = defaultFraudSettings();
  if (!text) return settings;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return settings;
  }
  if (raw === null || typeof raw !== 'object') return settings;
  const r = raw as Record<string, unknown>;
  if (typeof r.blocking === 'boolean') settings.blocking = r.blocking;
  if (Array.isArray(r.disabled)) settings.disabled = FRAUD_PATTERNS.filter((p) => (r.disabled as unknown[]).includes(p));
  for (const spec of NUMERIC_SETTINGS) {
    const v = r[spec.key];
    if (typeof v === 'number' && spec.valid(v)) (settings[spec.key] as number) = v;
  }
  const hour = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 23;
  if (hour(r.nightStartHour) && hour(r.nightEndHour) && r.nightStartHour !== r.nightEndHour) {
    settings.nightStartHour = r.nightStartHour;
    settings.nightEndHour = r.nightEndHour;
  }
  if (r.timeZones && typeof r.timeZones === 'object') {
    for (const [country, zone] of Object.entries(r.timeZones as Record<string, unknown>)) {
      if (/^[A-Z]{2}$/.test(country) && typeof zone === 'string' && isTimeZone(zone)) settings.timeZones[country] = zone;
    }
  }
  return settings;
}

export function serializeSettings(s: FraudSettings): string {
  return JSON.stringify(s);
}

export function ruleEnabled(s: FraudSettings, pattern: FraudPattern): boolean {
  return !s.disabled.includes(pattern);
}

type NumericKey = Exclude<keyof FraudSettings, 'blocking' | 'disabled' | 'timeZones'>;

interface NumericSpec {
  key: NumericKey;
  /** The name an admin types: `fraud set <name> <value>`. */
  name: string;
  description: string;
  /** The value as typed → the stored number, or what is wrong with it. */
  parse(text: string): { ok: true; value: number } | { ok: false; problem: string };
  valid(v: number): boolean;
  show(v: number, currency: string): string;
  example: string;
}

const wholeBetween = (name: string, lo: number, hi: number, unit: string) => ({
  parse(text: string): { ok: true; value: number } | { ok: false; problem: string } {
    if (!/^\d{1,6}$/.test(text) || Number(text) < lo || Number(text) > hi) {
      return { ok: false, problem: `${name} takes a whole number from ${lo} to ${hi}${unit ? ` (${unit})` : ''}, not "${text}".` };
    }
    return { ok: true, value: Number(text) };
  },
  valid: (v: number) => Number.isInteger(v) && v >= lo && v <= hi,
  show: (v: number) => `${v}${unit ? ` ${unit}` : ''}`,
});

const factor = (name: string) => ({
  parse(text: string): { ok: true; value: number } | { ok: false; problem: string } {
    const v = Number(text);
    if (!/^\d{1,3}(?:\.\d)?$/.test(text) || v < 1 || v > 100) {
      return { ok: false, problem: `${name} takes a factor from 1 to 100 with at most one decimal, e.g. 3 or 2.5, not "${text}".` };
    }
    return { ok: true, value: v };
  },
  valid: (v: number) => Number.isFinite(v) && v >= 1 && v <= 100,
  show: (v: number) => `${v} ×`,
});

const NUMERIC_SETTINGS: readonly NumericSpec[] = [
  {
    key: 'rateCeilingMicros',
    name: 'rate-ceiling',
    example: '1.50',
    description: 'premium_rate: a dial-out whose rate per minute is above this',
    parse(text) {
      const a = parseAmount(text);
      if (!a.ok) return { ok: false, problem: `rate-ceiling: ${a.message}` };
      if (a.micros === 0) return { ok: false, problem: 'rate-ceiling must be more than 0: every dial-out would match.' };
      return { ok: true, value: a.micros };
    },
    valid: (v) => Number.isSafeInteger(v) && v > 0,
    show: (v, currency) => `${formatMoney(v, currency)}/min`,
  },
  { key: 'spikeHourMinutes', name: 'spike-hour-minutes', example: '240', description: 'minutes_spike: dial-out minutes in one clock hour at least', ...wholeBetween('spike-hour-minutes', 1, 100_000, 'min') },
  { key: 'spikeHourFactor', name: 'spike-hour-factor', example: '3', description: "minutes_spike: and above this × the organizer's 28-day daily average", ...factor('spike-hour-factor') },
  { key: 'spikeDayMinutes', name: 'spike-day-minutes', example: '480', description: 'minutes_spike: dial-out minutes in one day at least', ...wholeBetween('spike-day-minutes', 1, 1_000_000, 'min') },
  { key: 'spikeDayFactor', name: 'spike-day-factor', example: '5', description: "minutes_spike: and above this × the organizer's 28-day daily average", ...factor('spike-day-factor') },
  { key: 'learningDays', name: 'learning-days', example: '14', description: "new_country: quiet while the tenant's dial-out history is younger than", ...wholeBetween('learning-days', 0, 365, 'days') },
  { key: 'newCountryHours', name: 'new-country-hours', example: '24', description: 'new_country: a country stays new for this long after its first call', ...wholeBetween('new-country-hours', 1, 720, 'h') },
  { key: 'shortCallSeconds', name: 'short-call-seconds', example: '60', description: 'short_call_burst: a connected call this short or shorter', ...wholeBetween('short-call-seconds', 1, 3600, 's') },
  { key: 'shortCallsPerRange', name: 'short-calls', example: '10', description: 'short_call_burst: short calls to one number range in a day', ...wholeBetween('short-calls', 2, 100_000, '') },
  { key: 'rangeDigits', name: 'range-digits', example: '3', description: 'short_call_burst: a range is a number without its last digits', ...wholeBetween('range-digits', 1, 6, 'digits') },
  { key: 'nightMinutes', name: 'night-minutes', example: '30', description: 'night_hours: dial-out minutes started in one night at least', ...wholeBetween('night-minutes', 1, 100_000, 'min') },
];

/** Every name `fraud set` takes, for help text and error messages. */
export const SETTING_NAMES: readonly string[] = [...NUMERIC_SETTINGS.map((s) => s.name), 'night-hours', 'timezone', 'rule'];

export const SETTING_USAGE =
  'fraud set <setting> <value>: rate-ceiling 1.50, spike-hour-minutes 240, spike-hour-factor 3, spike-day-minutes 480, ' +
  'spike-day-factor 5, learning-days 14, new-country-hours 24, short-call-seconds 60, short-calls 10, range-digits 3, ' +
  'night-hours 0-5, night-minutes 30, timezone US America/Los_Angeles (or default), rule night_hours off';

export interface SettingChange {
  settings: FraudSettings;
  /** What changed, for the audit log and the answer: the setting's name, and its value before and after, as text. */
  name: string;
  before: string;
  after: string;
}

/** One change an admin asked for (`fraud set <name> <args…>`), checked; the settings are not modified in place. */
export function changeSetting(current: FraudSettings, name: string, args: readonly string[], currency: string): Outcome<SettingChange> {
  const key = name.trim().toLowerCase();
  const next: FraudSettings = { ...current, disabled: [...current.disabled], timeZones: { ...current.timeZones } };
  const bad = (problem: string) => failure('invalid_fraud_setting', problem);
  const oneArg = (): string | undefined => (args.length === 1 ? args[0]!.trim() : undefined);

  const numeric = NUMERIC_SETTINGS.find((s) => s.name === key);
  if (numeric) {
    const text = oneArg();
    if (text === undefined) return bad(`${numeric.name} takes one value, e.g. fraud set ${numeric.name} ${numeric.example}.`);
    const parsed = numeric.parse(text);
    if (!parsed.ok) return bad(parsed.problem);
    (next[numeric.key] as number) = parsed.value;
    return ok({ settings: next, name: numeric.name, before: numeric.show(current[numeric.key], currency), after: numeric.show(parsed.value, currency) });
  }
  if (key === 'night-hours') {
    const m = /^(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?$/.exec(args.join(''));
    const start = m ? Number(m[1]) : NaN;
    const end = m ? Number(m[2]) : NaN;
    if (!m || start > 23 || end > 24 || start === end % 24) {
      return bad(`night-hours takes the first and the end hour of the night, local time, e.g. 0-5 or 22-6, not "${args.join(' ')}".`);
    }
    next.nightStartHour = start;
    next.nightEndHour = end % 24;
    return ok({ settings: next, name: 'night-hours', before: nightText(current), after: nightText(next) });
  }
  if (key === 'timezone' || key === 'time-zone') {
    const [countryText, zone] = args;
    const country = (countryText ?? '').trim().toUpperCase();
    if (args.length !== 2 || !/^[A-Z]{2}$/.test(country)) {
      return bad('timezone takes a usage-location country and an IANA time zone, e.g. fraud set timezone US America/Los_Angeles (or default to go back).');
    }
    const before = timeZoneFor(country, current.timeZones);
    if (zone!.toLowerCase() === 'default') delete next.timeZones[country];
    else if (isTimeZone(zone!)) next.timeZones[country] = zone!;
    else return bad(`"${zone}" is not a time zone name: use an IANA name such as America/Los_Angeles or Europe/Berlin.`);
    return ok({ settings: next, name: `timezone ${country}`, before, after: timeZoneFor(country, next.timeZones) });
  }
  if (key === 'rule') {
    const [patternText, state] = args.map((a) => a.trim().toLowerCase());
    if (args.length !== 2 || !patternText || !isFraudPattern(patternText) || (state !== 'on' && state !== 'off')) {
      return bad(`rule takes a rule name and on or off, e.g. fraud set rule night_hours off. Rules: ${FRAUD_PATTERNS.join(', ')}.`);
    }
    const wasOn = ruleEnabled(current, patternText);
    next.disabled = state === 'on' ? next.disabled.filter((p) => p !== patternText) : [...new Set([...next.disabled, patternText])];
    return ok({ settings: next, name: `rule ${patternText}`, before: wasOn ? 'on' : 'off', after: state });
  }
  return bad(`"${name}" is not a fraud setting. Settings: ${SETTING_NAMES.join(', ')}.`);
}

function nightText(s: FraudSettings): string {
  const h = (n: number) => `${String(n).padStart(2, '0')}:00`;
  return `${h(s.nightStartHour)} to ${h(s.nightEndHour)}`;
}

export interface SettingLine {
  name: string;
  value: string;
  description: string;
  isDefault: boolean;
}

/** Every setting with its value as people read it, in the order `fraud settings` lists them. */
export function describeSettings(s: FraudSettings, currency: string): SettingLine[] {
  const lines: SettingLine[] = NUMERIC_SETTINGS.map((spec) => ({
    name: spec.name,
    value: spec.show(s[spec.key], currency),
    description: spec.description,
    isDefault: s[spec.key] === DEFAULT_FRAUD_SETTINGS[spec.key],
  }));
  const night = { name: 'night-hours', value: nightText(s), description: "night_hours: the organizer's night, local time", isDefault: nightText(s) === nightText(DEFAULT_FRAUD_SETTINGS) };
  lines.splice(lines.length - 1, 0, night);
  return lines;
}
