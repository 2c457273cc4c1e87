import { hash } from 'node:crypto';
// zod's v4 engine (shipped inside zod 3.25): several times faster on this per-leg hot path.
import { z } from 'zod/v4';
import { isStorableText, NOT_STORABLE_TEXT } from '../store/storable-text';

/**
 * A call leg as Microsoft Graph's pstnCallLogRow describes it (DOMAIN.md), normalized. Only conf_in (dial-in to the
 * bridge) and conf_out (dial-out from the bridge) are rated; any other call type is kept as "ignored".
 */
export const RATED_CALL_TYPES = ['conf_in', 'conf_out'] as const;
export type RatedCallType = (typeof RATED_CALL_TYPES)[number];

export interface CallRecord {
  id: string;
  callId: string | null;
  callType: string;
  rated: boolean;
  conferenceId: string | null;
  /** The organizer (for conf_in/conf_out Graph reports the ORGANIZER's user): userId, else userPrincipalName. */
  organizerId: string | null;
  organizerUpn: string | null;
  organizerName: string | null;
  calleeNumber: string | null;
  callerNumber: string | null;
  tollFree: boolean;
  startAt: string;
  /** startAt's instant, milliseconds since 1970 (read once here rather than parsed again per leg when it is rated). */
  startMs: number;
  endAt: string | null;
  durationSeconds: number;
  /** Microsoft's own figures, kept for reconciliation; micro-units of msCurrency. */
  msChargeMicros: number | null;
  msConnectionChargeMicros: number | null;
  msCurrency: string | null;
  msLicenseCapability: string | null;
  msInventoryType: string | null;
  /** What the row said of its user's usage location (usageCountryCode; the export's User Location), as given. */
  msUsageLocation: string | null;
  /** Microsoft's Domestic/International label (destinationContext), as given. */
  msDestinationContext: string | null;
  /**
   * Identifies the call as it happened: the same id with a different hash is a conflict, not a duplicate.
   * Microsoft's billing figures (charge, connection charge, currency, license capability) are left out: they come
   * later than the call (Graph, the admin center export) and fill in a stored leg rather than contradict it.
   */
  contentHash: string;
}

export type ParseResult = { ok: true; record: CallRecord } | { ok: false; id: string | null; reason: string; message: string };

// nullish() rather than union([string, null]): a union builds a failure issue for every null it tries.
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()));

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

const isoDate = z
  .string()
  .trim()
  .refine((v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-02T09:00:00Z',
  });

const money = z
  .any()
  .transform((v: unknown, ctx) => {
    if (v === undefined || v === null || v === '') return null;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n < -1e9 || n > 1e9) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a number' });
      return z.NEVER;
    }
    return Math.round(n * 1_000_000);
  });

const rowSchema = z.object({
  id: z.string().trim().min(1, 'id is required').max(200),
  callId: optionalText,
  callType: z.string().trim().min(1, 'callType is required').max(50),
  conferenceId: optionalText,
  userId: optionalText,
  userPrincipalName: optionalText,
  userDisplayName: optionalText,
  calleeNumber: optionalText,
  callerNumber: optionalText,
  inventoryType: optionalText,
  startDateTime: isoDate,
  endDateTime: isoDate.nullish(),
  duration: z.number().nullish(),
  charge: money,
  connectionCharge: money,
  currency: optionalText,
  licenseCapability: optionalText,
  usageCountryCode: optionalText,
  destinationContext: optionalText,
});

/** TollFree, toll_free, Toll Free, TOLL-FREE … all mean toll-free. */
export function isTollFreeInventory(inventoryType: string | null): boolean {
  return inventoryType !== null && /^toll[\s_-]*free$/i.test(inventoryType.trim());
}

type Row = z.output<typeof rowSchema>;

/** Marks a field the fast path does not decide: the whole row then goes through the schema. */
const UNSURE = Symbol('unsure');

function fastText(v: unknown): string | null | typeof UNSURE {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return UNSURE;
  const t = v.trim();
  return t === '' ? null : t;
}

function fastRequired(v: unknown, max: number): string | typeof UNSURE {
  if (typeof v !== 'string') return UNSURE;
  const t = v.trim();
  return t.length >= 1 && t.length <= max ? t : UNSURE;
}

/** The instant of a well-formed date-time (the schema's own check), else UNSURE. */
function fastInstant(v: unknown): number | typeof UNSURE {
  if (typeof v !== 'string') return UNSURE;
  // Most rows (Graph's, ours) write YYYY-MM-DDTHH:MM:SS.sssZ: read from its digits, without the pattern and Date.parse.
  const canonical = canonicalInstant(v);
  if (canonical !== undefined) return canonical;
  const t = v.trim();
  if (!ISO_DATE_TIME.test(t)) return UNSURE;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? UNSURE : ms;
}

function fastMoney(v: unknown): number | null | typeof UNSURE {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < -1e9 || n > 1e9) return UNSURE;
  return Math.round(n * 1_000_000);
}

/** The schema's output, plus the start and end instants it checked, or undefined when the row is not ordinary. */
interface CheckedRow {
  row: Row;
  startMs: number;
  endMs: number | null;
}

/**
 * The schema's own result for an ordinary row (every field of its expected type and within bounds), computed
 * without zod: the per-leg hot path. Anything else (a wrong type, a bound missed, an unparseable date) returns
 * undefined and the schema decides, with its own messages. Each field is read once, like the schema does.
 */
function fastRow(input: Record<string, unknown>): CheckedRow | undefined {
  const id = fastRequired(input.id, 200);
  const callId = fastText(input.callId);
  const callType = fastRequired(input.callType, 50);
  const conferenceId = fastText(input.conferenceId);
  const userId = fastText(input.userId);
  const userPrincipalName = fastText(input.userPrincipalName);
  const userDisplayName = fastText(input.userDisplayName);
  const calleeNumber = fastText(input.calleeNumber);
  const callerNumber = fastText(input.callerNumber);
  const inventoryType = fastText(input.inventoryType);
  const startDateTime = input.startDateTime;
  const startMs = fastInstant(startDateTime);
  const endDateTime = input.endDateTime;
  const endMs = endDateTime === undefined || endDateTime === null ? null : fastInstant(endDateTime);
  const duration = input.duration;
  const charge = fastMoney(input.charge);
  const connectionCharge = fastMoney(input.connectionCharge);
  const currency = fastText(input.currency);
  const licenseCapability = fastText(input.licenseCapability);
  const usageCountryCode = fastText(input.usageCountryCode);
  const destinationContext = fastText(input.destinationContext);
  if (
    id === UNSURE || callId === UNSURE || callType === UNSURE || conferenceId === UNSURE || userId === UNSURE ||
    userPrincipalName === UNSURE || userDisplayName === UNSURE || calleeNumber === UNSURE || callerNumber === UNSURE ||
    inventoryType === UNSURE || startMs === UNSURE || endMs === UNSURE || charge === UNSURE || connectionCharge === UNSURE ||
    currency === UNSURE || licenseCapability === UNSURE || usageCountryCode === UNSURE || destinationContext === UNSURE ||
    !(duration === undefined || duration === null || (typeof duration === 'number' && Number.isFinite(duration)))
  ) {
    return undefined;
  }
  return {
    row: {
      id,
      callId,
      callType,
      conferenceId,
      userId,
      userPrincipalName,
      userDisplayName,
      calleeNumber,
      callerNumber,
      inventoryType,
      startDateTime: (startDateTime as string).trim(),
      endDateTime: endMs === null ? (endDateTime as null | undefined) : (endDateTime as string).trim(),
      duration: duration as number | null | undefined,
      charge,
      connectionCharge,
      currency,
      licenseCapability,
      usageCountryCode,
      destinationContext,
    },
    startMs,
    endMs,
  };
}

export interface ParseOptions {
  /** Skip the fast path (tests prove both paths give the same answer). */
  schemaOnly?: boolean;
}

/**
 * The first text field no store keeps as it is (store/storable-text.ts): on PostgreSQL a NUL would fail the whole
 * chunk's transaction, good legs with it, and a lone surrogate would make two different ids one stored leg.
 */
function unstorableField(row: Row): string | undefined {
  // for…in rather than Object.entries: no [key, value] pair per field on the per-leg path. The cheap character class
  // sees every text that could be unstorable; only those go through the exact check.
  for (const field in row) {
    const value = row[field as keyof Row];
    if (typeof value === 'string' && MAYBE_NOT_TEXT.test(value) && !isStorableText(value)) return field;
  }
  return undefined;
}

/** Every NUL and every surrogate, paired or not: a superset of what isStorableText refuses. */
const MAYBE_NOT_TEXT = /[\u0000\uD800-\uDFFF]/;

export function parseCallRecord(input: unknown, options: ParseOptions = {}): ParseResult {
  const rawId =
    typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string'
      ? ((input as { id: string }).id as string)
      : null;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, id: rawId, reason: 'malformed_record', message: 'a call record must be a JSON object' };
  }
  let checked = options.schemaOnly ? undefined : fastRow(input as Record<string, unknown>);
  if (!checked) {
    const parsed = rowSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        ok: false,
        id: rawId,
        reason: 'malformed_record',
        message: `${issue.path.join('.') || 'record'}: ${issue.message}`,
      };
    }
    const row = parsed.data;
    checked = { row, startMs: Date.parse(row.startDateTime), endMs: row.endDateTime ? Date.parse(row.endDateTime) : null };
  }
  const r = checked.row;
  const unstorable = unstorableField(r);
  if (unstorable) {
    return { ok: false, id: r.id, reason: 'malformed_record', message: `${unstorable}: ${NOT_STORABLE_TEXT}` };
  }
  const callType = r.callType.toLowerCase();
  const rated = callType === 'conf_in' || callType === 'conf_out';
  const duration = r.duration ?? null;
  if (duration !== null && (!Number.isInteger(duration) || duration < 0 || duration > 7 * 24 * 3600)) {
    return { ok: false, id: r.id, reason: 'malformed_record', message: 'duration: must be whole seconds between 0 and one week' };
  }
  if (rated) {
    if (duration === null) return { ok: false, id: r.id, reason: 'malformed_record', message: 'duration: required for conf_in and conf_out' };
    if (!r.calleeNumber) return { ok: false, id: r.id, reason: 'malformed_record', message: 'calleeNumber: required for conf_in and conf_out' };
    if (!r.userId && !r.userPrincipalName) {
      return { ok: false, id: r.id, reason: 'malformed_record', message: 'userId or userPrincipalName (the organizer) is required' };
    }
  }
  // The instants the schema checked (Date.parse), written as toISOString writes them.
  const startAt = isoInstant(r.startDateTime, checked.startMs);
  const endAt = r.endDateTime ? isoInstant(r.endDateTime, checked.endMs!) : null;
  const record: CallRecord = {
    id: r.id,
    callId: r.callId,
    callType,
    rated,
    conferenceId: r.conferenceId,
    organizerId: r.userId ?? r.userPrincipalName,
    organizerUpn: r.userPrincipalName,
    organizerName: r.userDisplayName,
    calleeNumber: r.calleeNumber,
    callerNumber: r.callerNumber,
    tollFree: isTollFreeInventory(r.inventoryType),
    startAt,
    startMs: checked.startMs,
    endAt,
    durationSeconds: duration ?? 0,
    msChargeMicros: r.charge,
    msConnectionChargeMicros: r.connectionCharge,
    msCurrency: r.currency ? r.currency.toUpperCase() : null,
    msLicenseCapability: r.licenseCapability,
    msInventoryType: r.inventoryType,
    msUsageLocation: r.usageCountryCode,
    msDestinationContext: r.destinationContext,
    contentHash: '',
  };
  record.contentHash = hashRecord(record);
  return { ok: true, record };
}

/** Days in each month of a common year; February gains one in a leap year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * new Date(ms).toISOString(), where `text` is what Date.parse read `ms` from: text already written that way
 * (YYYY-MM-DDTHH:MM:SS.sssZ: a leg Tollgate stored and sends again, records written by JavaScript) is that very
 * string, so it is returned without formatting the instant again (toISOString costs about a microsecond, twice per
 * leg). It is that string only when every field is in range (Date.parse rolls 2026-02-30 over to March) and they
 * give the same instant; anything else (Graph's seven-digit fractions among them) is formatted.
 */
function isoInstant(text: string, ms: number): string {
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(19) === 46 /* . */ && text.charCodeAt(10) === 84 /* T */) {
    // The ISO pattern (case-insensitive: hence the checks of Z and T) already matched: at this length every other
    // position is a digit or its fixed separator.
    // Date.UTC reads years 0 to 99 as 1900 to 1999: those never match and are formatted.
    if (isoDigitsInstant(text) === ms) return text;
  }
  return formatInstant(ms);
}

const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants toISOString writes with a four-digit year. */
const FOUR_DIGIT_YEARS_FROM = -62_167_219_200_000;
const FOUR_DIGIT_YEARS_UNTIL = 253_402_300_799_999;

/**
 * new Date(ms).toISOString(), written here for four-digit years (Graph's seven-digit fractions come this way, for
 * every leg): the civil date from the day number (Howard Hinnant's days_from_civil, inverted), then the fields.
 */
function formatInstant(ms: number): string {
  if (!(ms >= FOUR_DIGIT_YEARS_FROM && ms <= FOUR_DIGIT_YEARS_UNTIL) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(milli, 3)}Z`;
}

/** `n` (0 or more) written with at least `width` digits. */
function pad(n: number, width: number): string {
  const text = String(n);
  return text.length >= width ? text : '000'.slice(0, width - text.length) + text;
}

/** Positions of YYYY-MM-DDTHH:MM:SS.sssZ that hold a digit. */
const CANONICAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * The instant of `text` when it is exactly YYYY-MM-DDTHH:MM:SS.sssZ (what toISOString writes) with every field in
 * range and a year from 1000: then the pattern matches it and Date.parse reads this instant, so both are skipped.
 * Anything else (another form, a field out of range that Date.parse would roll over) is undefined: the pattern and
 * Date.parse decide, as before.
 */
export function canonicalInstant(text: string): number | undefined {
  if (
    text.length !== 24 || text.charCodeAt(4) !== 45 /* - */ || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 /* . */ || text.charCodeAt(23) !== 90 /* Z */
  ) {
    return undefined;
  }
  for (let k = 0; k < CANONICAL_DIGITS.length; k++) {
    const c = text.charCodeAt(CANONICAL_DIGITS[k]!);
    if (c < 48 || c > 57) return undefined;
  }
  return digitsAt(text, 0, 4) < 1000 ? undefined : isoDigitsInstant(text);
}

/**
 * The instant YYYY-MM-DDTHH:MM:SS.sss at the start of `text` writes (every one of those positions a digit: the caller
 * checked), or undefined when a field is out of range (month 13, 30 February, hour 24, …), which Date.UTC would roll over.
 */
function isoDigitsInstant(text: string): number | undefined {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > MONTH_DAYS[month - 1]! + (month === 2 && leap ? 1 : 0) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, digitsAt(text, 20, 3));
}

/** The number written by `count` ASCII digits of `text` from `start`. */
function digitsAt(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

const hashText = (v: string | null): string => (v === null ? '~' : `${v.length}:${v}`);
const hashNumber = (v: number | null): string => (v === null ? '~' : `${v};`);

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Hash of the normalized fields in a fixed order, so key order or spelling variants of the same row agree. Each
 * text is length-prefixed and each number terminated, so the encoding reads back one way only: different
 * content never encodes to the same text.
 */
function hashRecord(r: CallRecord): string {
  let text =
    hashText(r.id) + hashText(r.callId) + hashText(r.callType) + hashText(r.conferenceId) + hashText(r.organizerId) +
    hashText(r.organizerUpn) + hashText(r.calleeNumber) + hashText(r.callerNumber) + (r.tollFree ? 'T' : 'F') +
    hashText(r.startAt) + hashText(r.endAt) + hashNumber(r.durationSeconds);
  // Hashing encodes the text as UTF-8, where a lone surrogate becomes U+FFFD like a real one would. JSON escapes
  // lone surrogates, and its leading '"' keeps it apart from the plain encoding (which starts with a digit).
  if (SURROGATE.test(text)) text = JSON.stringify(text);
  return hash('sha256', text, 'base64url').slice(0, 32);
}

/** A Graph page `{ value: [...] }` or a plain array; anything else is not a batch. */
export function recordsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { value?: unknown }).value)) {
    return (body as { value: unknown[] }).value;
  }
  return undefined;
}
