import { refusal, type Refusal } from './reasons';
import { cachedIntl } from './intl-cache';

/**
 * Money is an integer count of micro-units of the tenant's currency (1 USD = 1_000_000). Never a float:
 * rounding happens only when money is shown (formatMoney) or computed from a rate (chargeForSeconds).
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;

/** The largest amount parseAmount accepts, in whole units: anything bigger is a typo, not a top-up. */
export const MAX_AMOUNT_UNITS = 1_000_000_000;

const MAX_DECIMALS = 6;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export type ParsedAmount = { ok: true; micros: Micros } | Refusal<'invalid_amount'>;

function invalid(what: string): Refusal<'invalid_amount'> {
  return refusal('invalid_amount', `${what} Enter a plain decimal number with a dot and at most 6 decimal places, e.g. 50 or 12.50.`);
}

/**
 * Parses a plain decimal amount ("200", "12.50", "0.000001") into micros, exactly (no float on the way).
 * Accepts digits with an optional dot and 1 to 6 decimals; leading zeros are harmless ("007.5").
 * Rejects, with a message naming the problem: empty text, any whitespace, a sign (negative or '+'),
 * an exponent, a comma, more than one dot, a dot with no digits on one side (".5", "5."), hex,
 * NaN/Infinity, more than 6 decimals and anything above MAX_AMOUNT_UNITS.
 * "0" is accepted: whether zero makes sense is the caller's decision.
 */
export function parseAmount(text: string): ParsedAmount {
  if (typeof text !== 'string' || text.length === 0) return invalid('The amount is empty.');
  if (/\s/.test(text)) return invalid(`"${text}" contains spaces; remove them.`);
  if (text.startsWith('-')) return invalid(`"${text}" is negative; amounts must be zero or more.`);
  if (text.startsWith('+')) return invalid(`"${text}" has a plus sign; write the number without a sign.`);
  if (text.includes(',')) return invalid(`"${text}" contains a comma; use a dot as the decimal separator and no thousands separators.`);
  if (/^0x/i.test(text)) return invalid(`"${text}" is a hexadecimal number.`);
  if (/^(nan|-?infinity)$/i.test(text)) return invalid(`"${text}" is not a number.`);
  if (/^[\d.]*\d[eE][+-]?\d+$/.test(text)) return invalid(`"${text}" uses an exponent; write the number out in full.`);
  if ((text.match(/\./g) ?? []).length > 1) return invalid(`"${text}" has more than one dot.`);
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) {
    if (/^\.\d+$/.test(text)) return invalid(`"${text}" has no digit before the dot; write 0${text}.`);
    if (/^\d+\.$/.test(text)) return invalid(`"${text}" has no digit after the dot; write ${text.slice(0, -1)}.`);
    return invalid(`"${text}" is not a number.`);
  }
  const whole = (m[1] ?? '').replace(/^0+(?=\d)/, '');
  const fraction = m[2] ?? '';
  if (fraction.length > MAX_DECIMALS) return invalid(`"${text}" has ${fraction.length} decimal places; at most ${MAX_DECIMALS} are allowed.`);
  // Compare as strings first: a 30-digit integer part must not be squeezed through a float.
  if (whole.length > String(MAX_AMOUNT_UNITS).length || Number(whole) > MAX_AMOUNT_UNITS) {
    return invalid(`"${text}" is too large; the most Tollgate accepts is ${MAX_AMOUNT_UNITS.toLocaleString('en-US')}.`);
  }
  const micros = Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(MAX_DECIMALS, '0'));
  if (micros > MAX_AMOUNT_UNITS * MICROS_PER_UNIT) {
    return invalid(`"${text}" is too large; the most Tollgate accepts is ${MAX_AMOUNT_UNITS.toLocaleString('en-US')}.`);
  }
  return { ok: true, micros };
}

function assertMicros(micros: Micros): void {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`money must be a safe integer count of micros, got ${micros}`);
}

/** Exact decimal text with all six places ("12.500000", "-0.000001"), for CSV and JSON exports. */
export function microsToDecimalString(micros: Micros): string {
  assertMicros(micros);
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_UNIT);
  const fraction = String(abs % MICROS_PER_UNIT).padStart(6, '0');
  return `${sign}${whole}.${fraction}`;
}

/**
 * Shows money for people: Intl.NumberFormat with the currency's own minor units ($1.23, ¥124, 1,234.568 BHD)
 * and the locale's conventions. The exact decimal string is handed to Intl (Node 20 formats numeric strings
 * exactly), so 2.675 USD shows as $2.68, which a float would turn into $2.67. Half-way values round away
 * from zero, as Intl does. An unknown currency code is a bug in the caller and throws RangeError.
 */
export function formatMoney(micros: Micros, currency: string, locale = 'en-US'): string {
  const formatter = cachedIntl(`money|${locale}|${currency}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency }));
  // lib ES2022's typings predate Intl.NumberFormat v3, which accepts exact decimal strings.
  const formatExact = formatter.format as unknown as (value: string) => string;
  return formatExact.call(formatter, microsToDecimalString(micros));
}

/**
 * What `seconds` cost at `perMinuteMicros`: seconds × perMinute / 60, rounded half up to whole micros.
 * Computed with BigInt so the product never loses precision, however long the call or high the rate.
 */
export function chargeForSeconds(seconds: number, perMinuteMicros: Micros): Micros {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`seconds must be a non-negative integer, got ${seconds}`);
  assertMicros(perMinuteMicros);
  if (perMinuteMicros < 0) throw new RangeError(`a per-minute rate cannot be negative, got ${perMinuteMicros}`);
  // Exact in doubles while the numerator is a safe integer (the product of safe integers rounds to at least 2^53
  // whenever it is not, so the test cannot pass by rounding): the remainder and the quotient of a multiple of 60
  // are then exact. BigInt only beyond that.
  const numerator = seconds * perMinuteMicros + 30;
  if (numerator <= Number.MAX_SAFE_INTEGER) return (numerator - (numerator % 60)) / 60;
  const charge = (BigInt(seconds) * BigInt(perMinuteMicros) + 30n) / 60n;
  if (charge > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('charge exceeds the safe integer range');
  return Number(charge);
}

/**
 * The most seconds whose chargeForSeconds is at most `budgetMicros`; null when unlimited (a free rate).
 * The inverse of chargeForSeconds: round(s·p/60) ≤ b ⇔ s·p ≤ 60·b + 29.
 */
export function secondsCoveredBy(budgetMicros: Micros, perMinuteMicros: Micros): number | null {
  assertMicros(budgetMicros);
  assertMicros(perMinuteMicros);
  if (budgetMicros < 0) return 0;
  if (perMinuteMicros <= 0) return null;
  const seconds = (BigInt(budgetMicros) * 60n + 29n) / BigInt(perMinuteMicros);
  return seconds > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(seconds);
}
