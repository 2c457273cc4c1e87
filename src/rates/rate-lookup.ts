import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { countryFromText, isCountryCode, isZoneA } from '../billing/countries';
import { parsePhoneNumber, type PhoneNumberInfo } from '../billing/phone-number';
import type { Rate, RateCard } from '../billing/rate-card';
import { failure, ok, type Outcome } from '../outcome';

/** What it costs to reach a destination: the rates a meeting's legs to or from it would be charged. */
export interface RateLookup {
  country: string;
  /** Set when the query was a phone number. */
  number?: PhoneNumberInfo;
  tollDialIn?: Rate;
  tollFreeDialIn?: Rate;
  /** The dial-out rate for the number, or the country's default rate. */
  dialOut?: Rate;
  /** Other dial-out rates in force for the country (mobile ranges and the like), cheapest first. */
  dialOutVariants: Rate[];
  /** The dial-out pool can pay for this destination (Zone A, and not a premium number). */
  poolEligible: boolean;
}

/** `rates Germany`, `rates DE`, `rates +4930123456`. */
export function lookUpRates(card: RateCard, query: string, at: Date): Outcome<RateLookup> {
  const text = query.trim();
  if (text.startsWith('+') || /^\d[\d\s().-]{5,}$/.test(text)) {
    const parsed = parsePhoneNumber(text.startsWith('+') ? text : `+${text}`);
    if (!parsed.ok) return failure('invalid_number', parsed.message);
    const n = parsed.value;
    return ok({
      country: n.country,
      number: n,
      tollDialIn: card.find('conf_in_toll', n, at),
      tollFreeDialIn: card.find('conf_in_tollfree', n, at),
      dialOut: card.find('conf_out', n, at),
      dialOutVariants: variants(card, n.country, at),
      poolEligible: isZoneA(n.country) && !n.premium,
    });
  }
  const upper = text.toUpperCase();
  const country = isCountryCode(upper) ? upper : countryFromText(text);
  if (!country) {
    return failure('unknown_destination', `"${text}" is not a country or a phone number I know: try a country name (Germany), an ISO code (DE) or a number in +E.164 form.`);
  }
  const digits = getCountryCallingCode(country as CountryCode);
  const probe = { digits, country };
  return ok({
    country,
    tollDialIn: card.find('conf_in_toll', probe, at),
    tollFreeDialIn: card.find('conf_in_tollfree', probe, at),
    dialOut: card.find('conf_out', probe, at),
    dialOutVariants: variants(card, country, at),
    poolEligible: isZoneA(country),
  });
}

function variants(card: RateCard, country: string, at: Date): Rate[] {
  const day = at.toISOString().slice(0, 10);
  const latest = new Map<string, Rate>();
  for (const r of card.rates) {
    if (r.kind !== 'conf_out' || r.country !== country || r.prefix === '' || r.effectiveFrom > day) continue;
    const current = latest.get(r.prefix);
    if (!current || current.effectiveFrom < r.effectiveFrom) latest.set(r.prefix, r);
  }
  return [...latest.values()].sort((a, b) => a.perMinuteMicros - b.perMinuteMicros || a.prefix.localeCompare(b.prefix));
}
