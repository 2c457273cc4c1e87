import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { isCountryCode, isZoneA } from '../../billing/countries';
import { checkMeetingDialOut, type DialOutPolicyName } from '../../billing/dial-out-policy';
import { hasCommunicationsCredits, hasUsCaDialOutAddon, planFor } from '../../billing/licenses';
import type { PhoneNumberInfo } from '../../billing/phone-number';
import type { Rate } from '../../billing/rate-card';
import type { OrganizerProfile } from '../../billing/rate-leg';
import type { CardContext } from './card-context';
import { calendarDay, destinationLabel, minutes, rateMoney } from './card-format';
import { cardExpander, type AdaptiveCardJson } from './expand-card';
import { formatNumber } from './phone-display';
import template from './rates-card.json';

/**
 * What rates/rate-lookup.ts lookUpRates finds for a destination: its RateLookup can be passed as it is.
 * Rates are the ones in force at ctx.now.
 */
export interface RateLookupView {
  /** ISO alpha-2 of the destination (the number's own country when a number was asked about). */
  country: string;
  number?: PhoneNumberInfo;
  tollDialIn?: Rate;
  tollFreeDialIn?: Rate;
  /** The rate for the number, or the country's default dial-out rate. */
  dialOut?: Rate;
  /** Other dial-out rates in force for the country (mobile ranges and the like). */
  dialOutVariants: readonly Rate[];
  /** Zone A and not a premium number: the dial-out pool can pay for it. */
  poolEligible: boolean;
}

export interface RatesCardInput {
  lookup: RateLookupView;
  /** The reader as a meeting organizer; undefined when Tollgate has no record of them. */
  organizer?: OrganizerProfile;
  globalDialOutPolicy: DialOutPolicyName;
  /** The tenant's dial-out pool this month. */
  pool?: { usedMinutes: number; totalMinutes: number } | null;
}

type Color = 'Default' | 'Good' | 'Warning' | 'Attention';

interface KindModel {
  title: string;
  price: string;
  priceColor: Color;
  hasRate: boolean;
  facts: { title: string; value: string }[];
  forYou: string;
  forYouColor: Color;
}

interface RatesCardModel {
  title: string;
  subtitle: string;
  kinds: KindModel[];
  hasOtherRates: boolean;
  otherTitle: string;
  otherRates: { label: string; detail: string; price: string }[];
  footer: string;
}

const expand = cardExpander<RatesCardModel>('rates card', template);

export const MAX_OTHER_RATES = 8;

/** "per started minute", "per started 30 seconds", "per second". */
export function incrementWords(seconds: number): string {
  if (seconds === 60) return 'per started minute';
  if (seconds === 1) return 'per second';
  if (seconds % 60 === 0) return `per started ${seconds / 60} minutes`;
  return `per started ${seconds} seconds`;
}

function rateFacts(rate: Rate, locale: string): { title: string; value: string }[] {
  const facts = [
    { title: 'Connection fee', value: rate.connectionFeeMicros > 0 ? rateMoney(rate.connectionFeeMicros, rate.currency, locale) : 'None' },
    { title: 'Billed', value: incrementWords(rate.incrementSeconds) },
    { title: 'In force since', value: calendarDay(rate.effectiveFrom, locale) },
  ];
  if (rate.description.trim()) facts.push({ title: 'Rate', value: rate.description.trim() });
  return facts;
}

function perMinute(rate: Rate, locale: string): string {
  return `${rateMoney(rate.perMinuteMicros, rate.currency, locale)} per minute`;
}

/**
 * What calls to and from a country cost under the rate card in force today: toll and toll-free dial-in through
 * that country's bridge numbers, dial-out to it (to the number itself when one was given), other prefixes such as
 * mobiles, and what applies to the reader: included, from the pool, from credits, or not allowed.
 */
export function buildRatesCard(input: RatesCardInput, ctx: CardContext): AdaptiveCardJson {
  const loc = ctx.locale;
  const { lookup } = input;
  const country = lookup.country.toUpperCase();
  const place = destinationLabel(country, loc);
  const code = isCountryCode(country) ? getCountryCallingCode(country as CountryCode) : '';
  const { dialOut, tollDialIn: tollIn, tollFreeDialIn: tollFreeIn } = lookup;

  const org = input.organizer;
  const plan = org ? planFor(org.licenses) : undefined;
  const credits = org ? hasCommunicationsCredits(org.licenses) : false;
  const policy = org?.dialOutPolicy ?? input.globalDialOutPolicy;
  const premium = lookup.number?.premium ?? false;

  const kind = (title: string, rate: Rate | undefined, forYou: { text: string; color?: Color }): KindModel => ({
    title,
    price: rate ? perMinute(rate, loc) : 'No rate in the rate card',
    priceColor: rate ? 'Default' : 'Warning',
    hasRate: rate !== undefined,
    facts: rate ? rateFacts(rate, loc) : [],
    forYou: forYou.text,
    forYouColor: forYou.color ?? 'Default',
  });

  const noRate = (what = '') => ({
    text: `Calls of this kind${what ? ` ${what}` : ''} cannot be priced, so Tollgate does not allow them. Ask an admin to add a rate to the rate card.`,
    color: 'Warning' as Color,
  });

  // Toll dial-in through this country's bridge numbers.
  let toll: { text: string; color?: Color };
  if (plan === 'none') toll = { text: 'You have no Audio Conferencing license, so your meetings have no dial-in numbers.', color: 'Attention' };
  else if (plan === 'subscription') toll = { text: 'Included in your Audio Conferencing subscription: not charged.', color: 'Good' };
  else if (!tollIn) toll = noRate('for pay-per-minute organizers');
  else if (plan === 'ppm') toll = { text: 'Pay-per-minute: every minute is charged to Communications Credits at this rate.' };
  else toll = { text: 'Included for organizers with an Audio Conferencing subscription; pay-per-minute organizers pay this rate from credits.' };

  let tollFree: { text: string; color?: Color };
  if (plan === 'none') tollFree = { text: 'You have no Audio Conferencing license, so your meetings have no dial-in numbers.', color: 'Attention' };
  else if (org && !org.tollFreeDialIn) tollFree = { text: 'Toll-free dial-in is switched off for your meetings: callers must use a toll number.', color: 'Attention' };
  else if (!tollFreeIn) tollFree = noRate();
  else if (plan === 'subscription' && !credits) {
    tollFree = {
      text: 'Toll-free calls are paid from Communications Credits, and you have no Communications Credits license, so toll-free calls to your meetings fail. Ask an admin to assign one.',
      color: 'Attention',
    };
  } else tollFree = { text: 'Always charged to Communications Credits at this rate, whatever the license.' };

  const out = dialOutWords();
  function dialOutWords(): { text: string; color?: Color } {
    if (plan === 'none') return { text: 'Your meetings cannot dial out: you have no Audio Conferencing license.', color: 'Attention' };
    if (org) {
      const check = checkMeetingDialOut(policy, org.usageLocation, country);
      if (!check.ok) {
        const why = {
          dialout_blocked_by_policy: 'Your dial-out policy does not allow meetings to dial out at all.',
          dialout_domestic_only: `Your dial-out policy allows meeting dial-out only within ${destinationLabel(org.usageLocation, loc)}.`,
          dialout_zone_a_only: `Your dial-out policy allows meeting dial-out only to Zone A countries, and ${place} is not one.`,
        }[check.reason];
        return { text: `${why} Ask a Teams admin if you need a different policy.`, color: 'Attention' };
      }
    }
    const zoneA = isZoneA(country);
    const poolLeft = input.pool ? Math.max(0, input.pool.totalMinutes - input.pool.usedMinutes) : undefined;
    const poolWords = input.pool
      ? input.pool.totalMinutes > 0
        ? `(${minutes(poolLeft!, loc)} of ${minutes(input.pool.totalMinutes, loc)} minutes left this month)`
        : '(your organization has no pool minutes, so this is credits from the first minute)'
      : '';
    const zoneAWords = premium
      ? 'This is a premium-rate number: the dial-out pool never covers it, so every minute is charged to credits at this rate.'
      : zoneA
        ? `${place} is in Zone A: dial-out is paid from your organization's monthly dial-out pool first${poolWords ? ` ${poolWords}` : ''}, then from Communications Credits at this rate.`
        : `${place} is outside Zone A, so the dial-out pool does not cover it: every minute is charged to Communications Credits at this rate.`;
    if (plan === 'subscription') {
      if (hasUsCaDialOutAddon(org!.licenses) && (country === 'US' || country === 'CA')) {
        return { text: 'Covered by your US/Canada dial-out add-on: no pool minutes and no credits are used.', color: 'Good' };
      }
      if (!dialOut) return noRate('to this destination');
      // The pool pays only while it has minutes left this month.
      const poolApplies = lookup.poolEligible && (input.pool ? input.pool.totalMinutes - input.pool.usedMinutes > 0 : true);
      if (!credits) {
        return poolApplies
          ? { text: `${zoneAWords} You have no Communications Credits license, so dial-out stops when the pool is used up.`, color: 'Warning' }
          : { text: `${zoneAWords} You have no Communications Credits license, so this dial-out fails. Ask an admin to assign one.`, color: 'Attention' };
      }
      return { text: zoneAWords, color: poolApplies ? 'Good' : 'Default' };
    }
    if (!dialOut) return noRate('to this destination');
    if (plan === 'ppm') return { text: 'Pay-per-minute: every minute is charged to Communications Credits at this rate; the dial-out pool does not apply.' };
    return { text: `${zoneAWords} (That is for organizers with an Audio Conferencing subscription; pay-per-minute organizers pay this rate from the first minute.)` };
  }

  const kinds = [
    kind(lookup.number ? 'Dial-out to this number' : `Dial-out to ${place}`, dialOut, out),
    kind('Dial-in, toll number', tollIn, toll),
    kind('Dial-in, toll-free number', tollFreeIn, tollFree),
  ];

  const today = ctx.now.toISOString().slice(0, 10);
  const others = lookup.dialOutVariants.filter((r) => r !== dialOut && !(dialOut && r.prefix === dialOut.prefix && r.country === dialOut.country));
  const otherRates = others.slice(0, MAX_OTHER_RATES).map((r) => ({
    label: r.description.trim() || `Numbers starting +${r.prefix}`,
    detail: `Numbers starting +${r.prefix} · ${incrementWords(r.incrementSeconds)}${r.connectionFeeMicros > 0 ? ` · ${rateMoney(r.connectionFeeMicros, r.currency, loc)} connection fee` : ''}`,
    price: `${rateMoney(r.perMinuteMicros, r.currency, loc)}/min`,
  }));

  const numberKind = lookup.number?.premium ? 'premium-rate number' : lookup.number?.mobile ? 'mobile number' : 'number';
  return expand({
    title: lookup.number ? formatNumber(lookup.number.e164) : place,
    subtitle: lookup.number
      ? `A ${numberKind} in ${place}${isZoneA(country) ? ' (Zone A)' : ''}`
      : `${isZoneA(country) ? 'Zone A country' : 'Outside Zone A'}${code ? ` · calling code +${code}` : ''}`,
    kinds,
    hasOtherRates: otherRates.length > 0,
    otherTitle: others.length > MAX_OTHER_RATES ? `Other dial-out rates to ${place} (${MAX_OTHER_RATES} of ${others.length})` : `Other dial-out rates to ${place}`,
    otherRates,
    footer: `From your organization's rate card as in force on ${calendarDay(today, loc)}. Dial-in is priced by the country of the bridge number dialed, dial-out by the destination's country.${
      org ? ` Your meetings use the ${org.dialOutPolicy ? 'dial-out policy assigned to you' : "organization's global dial-out policy"} (${policy}).` : ''
    }`,
  });
}
