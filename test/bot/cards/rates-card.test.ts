import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';
import { isZoneA } from '../../../src/billing/countries';
import { parsePhoneNumber } from '../../../src/billing/phone-number';
import { RateCard } from '../../../src/billing/rate-card';
import type { OrganizerProfile } from '../../../src/billing/rate-leg';
import { buildRatesCard, incrementWords, type RateLookupView } from '../../../src/bot/cards/rates-card';
import { cardText } from './card-check';
import { NOW, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const loaded = RateCard.fromCsv(readFileSync(join(__dirname, '../../../data/rates.sample.csv'), 'utf8'));
if (!loaded.ok) throw new Error('sample rate card does not load');
const card = loaded.card;

/** The lookup rates/rate-lookup.ts makes, built here from the billing API alone. */
function lookup(query: string): RateLookupView {
  const parsed = query.startsWith('+') ? parsePhoneNumber(query) : undefined;
  if (parsed && !parsed.ok) throw new Error(parsed.message);
  const number = parsed?.value;
  const country = number?.country ?? query;
  const probe = number ?? { digits: getCountryCallingCode(country as CountryCode), country };
  const day = NOW.toISOString().slice(0, 10);
  return {
    country,
    ...(number ? { number } : {}),
    tollDialIn: card.find('conf_in_toll', probe, NOW),
    tollFreeDialIn: card.find('conf_in_tollfree', probe, NOW),
    dialOut: card.find('conf_out', probe, NOW),
    dialOutVariants: card.rates.filter((r) => r.kind === 'conf_out' && r.country === country && r.prefix !== '' && r.effectiveFrom <= day),
    poolEligible: isZoneA(country) && !(number?.premium ?? false),
  };
}

const subscriber: OrganizerProfile = { id: 'aad-ana', usageLocation: 'US', licenses: ['MCOMEETADV', 'MCOPSTNPP'], tollFreeDialIn: true };
const pool = { usedMinutes: 72, totalMinutes: 120 };
const base = { globalDialOutPolicy: 'DialoutCPCandPSTNInternational' as const, pool };

/** The colour of the "for you" line under the dial-out rate. */
function dialOutColor(c: ReturnType<typeof buildRatesCard>): string | undefined {
  const found: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if (typeof o.text === 'string' && o.text.includes('Zone A') && typeof o.color === 'string') found.push(o.color);
      Object.values(o).forEach(walk);
    }
  };
  walk(c);
  return found[0];
}

describe('rates card', () => {
  it('shows the pool as good news only while it has minutes left', () => {
    const withMinutes = buildRatesCard({ ...base, lookup: lookup('DE'), organizer: subscriber }, userCtx);
    expect(dialOutColor(withMinutes)).toBe('Good');
    const usedUp = buildRatesCard({ ...base, pool: { usedMinutes: 120, totalMinutes: 120 }, lookup: lookup('DE'), organizer: subscriber }, userCtx);
    expect(cardText(usedUp)).toContain('0 of 120 minutes left this month');
    expect(dialOutColor(usedUp)).toBe('Default');
  });

  it('a Zone A country for a subscriber: rates, connection fee, increment, mobile rates, pool in words', () => {
    const c = buildRatesCard({ ...base, lookup: lookup('DE'), organizer: subscriber }, userCtx);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('Germany');
    expect(text).toContain('Zone A country · calling code +49');
    expect(text).toContain('Dial-out to Germany\n$0.06 per minute');
    expect(text).toContain('Connection fee\nNone');
    expect(text).toContain('Billed\nper started minute');
    expect(text).toContain("Germany is in Zone A: dial-out is paid from your organization's monthly dial-out pool first (48 of 120 minutes left this month), then from Communications Credits at this rate.");
    expect(text).toContain('Dial-in, toll number\n$0.04 per minute');
    expect(text).toContain('Included in your Audio Conferencing subscription: not charged.');
    expect(text).toContain('Dial-in, toll-free number\n$0.12 per minute');
    expect(text).toContain('Always charged to Communications Credits');
    expect(text).toContain('Germany, mobile (+4915)\nNumbers starting +4915 · per started minute\n$0.25/min');
    expect(text).toContain('Germany, mobile (+4917)');
  });

  it('a mobile number: its own rate, and the other prefixes listed without it', () => {
    const c = buildRatesCard({ ...base, lookup: lookup('+4915123456789'), organizer: subscriber }, userCtx);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('+49 1512 3456789');
    expect(text).toContain('A mobile number in Germany (Zone A)');
    expect(text).toContain('Dial-out to this number\n$0.25 per minute');
    expect(text).not.toContain('Numbers starting +4915 ');
    expect(text).toContain('Numbers starting +4916');
  });

  it('outside Zone A: charged to credits from the first minute', () => {
    const text = cardText(buildRatesCard({ ...base, lookup: lookup('NG'), organizer: subscriber }, userCtx));
    expect(text).toContain('Dial-out to Nigeria\n$0.25 per minute');
    expect(text).toContain('Nigeria is outside Zone A, so the dial-out pool does not cover it');
  });

  it('a premium-rate number is never paid from the pool', () => {
    const c = buildRatesCard({ ...base, lookup: lookup('+449098790000'), organizer: subscriber }, userCtx);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain('A premium-rate number in United Kingdom (Zone A)');
    expect(text).toContain('$1.50 per minute');
    expect(text).toContain('the dial-out pool never covers it');
  });

  it('pay-per-minute organizer: every leg from credits, no pool', () => {
    const ppm: OrganizerProfile = { ...subscriber, licenses: ['MCOMEETACPEA'] };
    const text = cardText(buildRatesCard({ ...base, lookup: lookup('GB'), organizer: ppm }, userCtx));
    expect(text).toContain('Pay-per-minute: every minute is charged to Communications Credits at this rate; the dial-out pool does not apply.');
    expect(text).toContain('Pay-per-minute: every minute is charged to Communications Credits at this rate.');
  });

  it('no Audio Conferencing license: no dial-in numbers, no dial-out', () => {
    const none: OrganizerProfile = { ...subscriber, licenses: ['SPE_E5_NOPSTNCONF'] };
    const text = cardText(buildRatesCard({ ...base, lookup: lookup('GB'), organizer: none }, userCtx));
    expect(text).toContain('Your meetings cannot dial out: you have no Audio Conferencing license.');
    expect(text).toContain('no dial-in numbers');
  });

  it('subscription without Communications Credits, toll-free off', () => {
    const noCredits: OrganizerProfile = { ...subscriber, licenses: ['MCOMEETADV'], tollFreeDialIn: false };
    const text = cardText(buildRatesCard({ ...base, lookup: lookup('NG'), organizer: noCredits }, userCtx));
    expect(text).toContain('You have no Communications Credits license, so this dial-out fails.');
    expect(text).toContain('Toll-free dial-in is switched off for your meetings');
    const zoneA = cardText(buildRatesCard({ ...base, lookup: lookup('GB'), organizer: noCredits }, userCtx));
    expect(zoneA).toContain('dial-out stops when the pool is used up');
  });

  it('the dial-out policy, in words, when it does not allow the destination', () => {
    const domestic: OrganizerProfile = { ...subscriber, dialOutPolicy: 'DialoutCPCandPSTNDomestic' };
    expect(cardText(buildRatesCard({ ...base, lookup: lookup('DE'), organizer: domestic }, userCtx))).toContain(
      'Your dial-out policy allows meeting dial-out only within United States.',
    );
    const zoneAOnly: OrganizerProfile = { ...subscriber, dialOutPolicy: 'DialoutCPCZoneAPSTNDomestic' };
    expect(cardText(buildRatesCard({ ...base, lookup: lookup('NG'), organizer: zoneAOnly }, userCtx))).toContain(
      'only to Zone A countries, and Nigeria is not one',
    );
    const disabled = cardText(buildRatesCard({ ...base, lookup: lookup('DE'), organizer: subscriber, globalDialOutPolicy: 'DialoutCPCandPSTNDisabled' }, userCtx));
    expect(disabled).toContain('does not allow meetings to dial out at all');
    expect(disabled).toContain("organization's global dial-out policy (DialoutCPCandPSTNDisabled)");
  });

  it('the US/Canada add-on covers Canada', () => {
    const addon: OrganizerProfile = { ...subscriber, licenses: ['MCOMEETADV', 'MCOPSTNPP', 'MCOEXTDIALOUT_USCA'] };
    const text = cardText(buildRatesCard({ ...base, lookup: lookup('+16135550123'), organizer: addon }, userCtx));
    expect(text).toContain('Covered by your US/Canada dial-out add-on');
  });

  it('an unknown organizer, no pool figures: the rule for each license', () => {
    const c = buildRatesCard({ lookup: lookup('FR'), globalDialOutPolicy: 'DialoutCPCandPSTNInternational' }, userCtx);
    expectValidCard(c);
    const text = cardText(c);
    expect(text).toContain("France is in Zone A: dial-out is paid from your organization's monthly dial-out pool first, then from Communications Credits");
    expect(text).toContain('pay-per-minute organizers pay this rate from the first minute');
  });

  it('a country with no rates and an unknown country code', () => {
    for (const country of ['AQ', 'QQ']) {
      const empty: RateLookupView = { country, dialOutVariants: [], poolEligible: false };
      const c = buildRatesCard({ ...base, lookup: empty, organizer: subscriber }, userCtx);
      expectValidCard(c);
      const text = cardText(c);
      expect(text).toContain('No rate in the rate card');
      expect(text).toContain('cannot be priced');
    }
    expect(cardText(buildRatesCard({ ...base, lookup: { country: 'QQ', dialOutVariants: [], poolEligible: false } }, userCtx))).toContain('Unknown country (QQ)');
  });

  it('a rate with a connection fee and a 6-second increment', () => {
    const rate = { kind: 'conf_out' as const, prefix: '', country: 'IT', description: 'Italy, dial-out', perMinuteMicros: 45_000, connectionFeeMicros: 150_000, incrementSeconds: 6, currency: 'USD', effectiveFrom: '2025-01-01' };
    const text = cardText(buildRatesCard({ ...base, lookup: { country: 'IT', dialOut: rate, dialOutVariants: [], poolEligible: true }, organizer: subscriber }, userCtx));
    expect(text).toContain('$0.045 per minute');
    expect(text).toContain('Connection fee\n$0.15');
    expect(text).toContain('per started 6 seconds');
    expect(text).toContain('In force since\nJan 1, 2025');
  });

  it('words for increments', () => {
    expect(incrementWords(60)).toBe('per started minute');
    expect(incrementWords(1)).toBe('per second');
    expect(incrementWords(120)).toBe('per started 2 minutes');
    expect(incrementWords(30)).toBe('per started 30 seconds');
  });
});
