import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { refusal, type Refusal } from './reasons';

/**
 * A phone number as the rating engine needs it. Built with libphonenumber-js's 'max' metadata, the only
 * one that tells number types (premium, mobile) apart reliably.
 */
export interface PhoneNumberInfo {
  /** Canonical E.164 text, e.g. "+4930901820". */
  e164: string;
  /** The E.164 digits without '+': what rate-card prefixes match against. */
  digits: string;
  /**
   * ISO 3166-1 alpha-2 of the number's own region: for numbers sharing a calling code, the actual one
   * (+1 416… is CA, +1 787… is PR, +44 7781… is GG), never the caller's or organizer's location.
   */
  country: string;
  /** PREMIUM_RATE in libphonenumber's metadata: never drawn from the dial-out pool. */
  premium: boolean;
  /** Only MOBILE; FIXED_LINE_OR_MOBILE (all of NANP) counts as not mobile. Informational: rates go by prefix. */
  mobile: boolean;
}

export type ParsedPhoneNumber = { ok: true; value: PhoneNumberInfo } | Refusal<'invalid_number'>;

// A '+' first, then digits; the usual visual separators are tolerated because admins paste numbers into chat.
const E164_LIKE = /^\+[0-9][0-9 ().-]*$/;

function invalid(text: string, why: string): Refusal<'invalid_number'> {
  return refusal('invalid_number', `"${text}" ${why} Enter it in international E.164 form, e.g. +14255550100.`);
}

/**
 * Parses an E.164 number (leading '+' required; spaces, dots, hyphens and parentheses are ignored).
 * Toll-free and premium numbers are valid. Rejected with invalid_number: anything without '+', letters or
 * an extension, numbers libphonenumber does not consider valid, and non-geographic numbers (+800, +882, …)
 * which have no country to rate by.
 */
export function parsePhoneNumber(text: string): ParsedPhoneNumber {
  // The same numbers come back all the time (every dial-in names a bridge number), and parsing with the 'max'
  // metadata is the costliest step of rating a leg. The answer depends on the text alone, so a bounded memo
  // keeps the function pure.
  const cached = memo.get(text);
  if (cached) return cached;
  const answer = Object.freeze(parseUncached(text));
  // Full: forget the oldest entry (a Map iterates in insertion order), never the whole memo at once.
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
  memo.set(text, answer);
  return answer;
}

const MEMO_LIMIT = 100_000;
const memo = new Map<string, ParsedPhoneNumber>();

function parseUncached(text: string): ParsedPhoneNumber {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (trimmed.length === 0) return invalid(String(text ?? ''), 'is empty.');
  if (!trimmed.startsWith('+')) return invalid(trimmed, 'has no leading "+" and country code.');
  if (!E164_LIKE.test(trimmed)) return invalid(trimmed, 'contains characters that are not digits.');
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed || !parsed.isValid()) return invalid(trimmed, 'is not a valid phone number.');
  if (!parsed.country) return invalid(trimmed, 'is a non-geographic number with no country, which cannot be rated.');
  const type = parsed.getType();
  return {
    ok: true,
    value: Object.freeze({
      e164: parsed.number,
      digits: parsed.number.slice(1),
      country: parsed.country,
      premium: type === 'PREMIUM_RATE',
      mobile: type === 'MOBILE',
    }),
  };
}
