import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MAX_CACHED_KEY_LENGTH } from '../../billing/intl-cache';

const MASK = '•';

/**
 * A phone number as a card shows it: formatted in international form for admins, masked for everyone else.
 * Masked keeps the country code, the first group (area code or mobile prefix) and the last 4 digits, and puts a
 * bullet in place of every other digit so the grouping stays readable: +44 20 7946 0958 → +44 20 •••• 0958.
 * Short numbers give up digits of the first group, then of the tail, so that at least a quarter of the
 * national number (and never fewer than 2 digits) is always hidden.
 */
export function displayNumber(number: string | null, isAdmin: boolean): string {
  if (number === null || number.trim() === '') return 'Number not recorded';
  if (number.length > MAX_CACHED_KEY_LENGTH) return isAdmin ? formatNumber(number) : maskNumber(number);
  const key = `${isAdmin ? 'admin' : 'masked'}|${number}`;
  let shown = shownNumbers.get(key);
  if (shown === undefined) {
    shown = isAdmin ? formatNumber(number) : maskNumber(number);
    if (shownNumbers.size >= MAX_SHOWN_NUMBERS) shownNumbers.delete(shownNumbers.keys().next().value!);
    shownNumbers.set(key, shown);
  }
  return shown;
}

/**
 * Numbers as shown, by number: parsing with the full metadata is most of what a meeting's card costs to build, and
 * the same numbers come back card after card (a meeting's dial-ins, a team's usual destinations). Bounded.
 */
const MAX_SHOWN_NUMBERS = 2_000;
const shownNumbers = new Map<string, string>();

export function formatNumber(number: string): string {
  const parsed = parsePhoneNumberFromString(number.trim());
  return parsed ? parsed.formatInternational() : number.trim();
}

export function maskNumber(number: string): string {
  const parsed = parsePhoneNumberFromString(number.trim());
  if (!parsed) {
    // Not a number libphonenumber understands: show only the last digits.
    const digits = number.replace(/\D/g, '');
    return digits.length > 4 ? `${MASK.repeat(4)} ${digits.slice(-4)}` : MASK.repeat(4);
  }
  const formatted = parsed.formatInternational();
  const prefix = `+${parsed.countryCallingCode}`;
  const national = formatted.startsWith(prefix) ? formatted.slice(prefix.length) : ` ${parsed.nationalNumber}`;
  const n = national.replace(/\D/g, '').length;
  const firstGroup = /\d+/.exec(national)?.[0].length ?? 0;
  const hidden = Math.max(2, Math.ceil(n / 4));
  const keepEnd = Math.min(4, Math.max(0, n - hidden));
  const keepStart = Math.min(firstGroup, Math.max(0, n - hidden - keepEnd));
  let index = 0;
  const masked = national.replace(/\d/g, (digit) => {
    const i = index++;
    return i >= keepStart && i < n - keepEnd ? MASK : digit;
  });
  return `${prefix}${masked}`;
}
