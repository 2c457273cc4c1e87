import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { isZoneA } from '../../src/billing/countries';
import { DEFAULT_DIAL_OUT_POLICY, DIAL_OUT_POLICIES } from '../../src/billing/dial-out-policy';
import { planFor } from '../../src/billing/licenses';
import { parsePhoneNumber } from '../../src/billing/phone-number';
import { RateCard } from '../../src/billing/rate-card';
import { rateLeg, type Decision, type LegToRate, type RatingContext } from '../../src/billing/rate-leg';

// Properties run against the shipped sample card, so they also cover its real shape (prefixes, fee, dates).
const loaded = RateCard.fromCsv(readFileSync(join(__dirname, '../../data/rates.sample.csv'), 'utf8'));
if (!loaded.ok) throw new Error('the sample rate card must parse');
const CARD = loaded.card;

// libphonenumber's own example mobile number for every region, plus landlines, toll-free and premium numbers.
const exampleNumber = (country: string): string[] => {
  const n = getExampleNumber(country as CountryCode, examples);
  return n && n.isValid() && n.country ? [n.number as string] : [];
};
const FIXED = [
  '+4930901820', '+4915123456789', '+4980012345678', '+4990090012345', '+12015550123', '+18005550199', '+19005551234',
  '+16045550123', '+17872345678', '+442071838750', '+447400123456', '+449090123456', '+448001234567', '+33142685300',
  '+33892123456', '+390612345678', '+81312345678', '+27211234567', '+20212345678', '+97145123456', '+78123456789',
];
const RATED_COUNTRIES = [...new Set(CARD.rates.map((r) => r.country))];
const RATED = [...FIXED, ...RATED_COUNTRIES.flatMap(exampleNumber)];
const NUMBERS = [...RATED, ...getCountries().flatMap(exampleNumber)];

// Weighted towards the cases that matter (rated numbers, real license sets, the default policy) so every
// branch is hit often, with the fully random combinations still in the mix.
const arbLeg: fc.Arbitrary<LegToRate> = fc.record({
  callType: fc.constantFrom('conf_in' as const, 'conf_out' as const),
  number: fc.oneof({ arbitrary: fc.constantFrom(...RATED), weight: 4 }, { arbitrary: fc.constantFrom(...NUMBERS), weight: 1 }),
  tollFree: fc.boolean(),
  durationSeconds: fc.oneof(fc.constantFrom(0, 1, 59, 60, 61, 119, 120, 3600), fc.nat(14_400)),
  startDateTime: fc.date({ min: new Date('2023-06-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }),
});

const LICENSE_SETS = [
  ['MCOMEETADV', 'MCOPSTNPP'],
  ['MCOMEETADV'],
  ['SPE_E5', 'MCOPSTNPP'],
  ['MCOMEETACPEA'],
  ['MCOMEETADV', 'MCOPSTNPP', 'MCOEXTDIALOUT_USCA'],
  ['SPE_E5_NOPSTNCONF'],
  [],
];
const arbPolicy = fc.oneof({ arbitrary: fc.constant(DEFAULT_DIAL_OUT_POLICY), weight: 3 }, { arbitrary: fc.constantFrom(...DIAL_OUT_POLICIES), weight: 1 });

const arbContext: fc.Arbitrary<Omit<RatingContext, 'mode'>> = fc.record({
  tenant: fc.record({
    country: fc.constantFrom('DE', 'DE', 'US', 'US', 'GB', 'AE', 'IN', 'RU', 'KR', 'TW'),
    currency: fc.constantFrom('USD', 'USD', 'USD', 'USD', 'USD', 'EUR'),
    billingMode: fc.constantFrom('prepaid' as const, 'prepaid' as const, 'postpaid' as const),
  }),
  organizer: fc.option(
    fc.record({
      id: fc.constant('organizer'),
      usageLocation: fc.constantFrom('DE', 'US', 'CA', 'GB', 'AE', 'RU', 'IN'),
      licenses: fc.oneof(
        { arbitrary: fc.constantFrom(...LICENSE_SETS), weight: 4 },
        { arbitrary: fc.subarray(['MCOMEETADV', 'SPE_E5', 'SPE_E5_NOPSTNCONF', 'MCOMEETACPEA', 'MCOPSTNPP', 'MCOEXTDIALOUT_USCA', 'ENTERPRISEPACK']), weight: 1 },
      ),
      dialOutPolicy: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: arbPolicy, weight: 1 }),
      tollFreeDialIn: fc.constantFrom(true, true, true, false),
    }),
    { nil: undefined, freq: 10 },
  ),
  globalDialOutPolicy: arbPolicy,
  rateCard: fc.constant(CARD),
  poolRemainingSeconds: fc.oneof(fc.constantFrom(0, 30, 60, 600), fc.integer({ min: -600, max: 20_000 })),
  balanceMicros: fc.oneof(fc.constantFrom(0, 1, 60_000, 100_000), fc.integer({ min: -1_000_000, max: 100_000_000 })),
});

const settleCtx = (c: Omit<RatingContext, 'mode'>): RatingContext => ({ ...c, mode: 'settle' });
const authorizeCtx = (c: Omit<RatingContext, 'mode'>): RatingContext => ({ ...c, mode: 'authorize' });

function decided(r: ReturnType<typeof rateLeg>): Decision {
  if (!r.ok) throw new Error(`expected a decision, got ${r.reason}`);
  return r;
}

const RUNS = { numRuns: 500 };

it('the number pool is all valid numbers', () => {
  expect(NUMBERS.length).toBeGreaterThan(200);
  for (const n of NUMBERS) expect(parsePhoneNumber(n).ok).toBe(true);
});

describe('settle', () => {
  it('never refuses a valid number, and its arithmetic always holds', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, (leg, c) => {
        const d = decided(rateLeg(leg, settleCtx(c)));
        const increment = d.rate?.incrementSeconds ?? 60;
        // billed >= duration and < duration + increment, a whole number of increments, 0 only for 0 s
        expect(d.billedSeconds).toBeGreaterThanOrEqual(leg.durationSeconds);
        expect(d.billedSeconds).toBeLessThan(leg.durationSeconds + increment);
        expect(d.billedSeconds % increment).toBe(0);
        expect(d.billedSeconds === 0).toBe(leg.durationSeconds === 0);
        expect(d.billedMinutes).toBe(d.billedSeconds / 60);
        // charge: a non-negative integer; only credits ever cost money
        expect(Number.isSafeInteger(d.chargeMicros)).toBe(true);
        expect(d.chargeMicros).toBeGreaterThanOrEqual(0);
        if (d.chargeMicros > 0) expect(d.paidBy).toBe('credits');
        // seconds add up
        if (d.paidBy === 'pool' || d.paidBy === 'credits') expect(d.poolSeconds + d.creditSeconds).toBe(d.billedSeconds);
        else expect([d.poolSeconds, d.creditSeconds, d.chargeMicros]).toEqual([0, 0, 0]);
        if (d.paidBy === 'pool') expect(d.creditSeconds).toBe(0);
        // the pool: never overdrawn, only for subscription organizers' non-premium Zone A dial-out
        expect(d.poolSeconds).toBeLessThanOrEqual(Math.max(0, c.poolRemainingSeconds));
        if (d.poolSeconds > 0 || d.paidBy === 'pool') {
          const n = parsePhoneNumber(leg.number);
          expect(n.ok && isZoneA(n.value.country) && !n.value.premium).toBe(true);
          expect(leg.callType).toBe('conf_out');
          expect(c.organizer && planFor(c.organizer.licenses)).toBe('subscription');
        }
        if (c.organizer && planFor(c.organizer.licenses) === 'ppm') expect([d.paidBy, d.poolSeconds]).toEqual(['credits', 0]);
        if (!c.organizer) expect(d.flags[0]).toBe('unknown_organizer');
        // the exact charge, whenever credits pay in the tenant's currency
        if (d.creditSeconds > 0 && d.rate && d.rate.currency === c.tenant.currency) {
          expect(d.chargeMicros).toBe(Math.round((d.creditSeconds * d.rate.perMinuteMicros) / 60) + d.rate.connectionFeeMicros);
        }
        expect(d.maxDurationSeconds).toBeNull();
        expect(new Set(d.flags).size).toBe(d.flags.length);
      }),
      RUNS,
    );
  });

  it('is monotonic in duration: a longer leg never costs less or draws less from the pool', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, fc.nat(7_200), (leg, c, extra) => {
        const shorter = decided(rateLeg(leg, settleCtx(c)));
        const longer = decided(rateLeg({ ...leg, durationSeconds: leg.durationSeconds + extra }, settleCtx(c)));
        expect(longer.chargeMicros).toBeGreaterThanOrEqual(shorter.chargeMicros);
        expect(longer.billedSeconds).toBeGreaterThanOrEqual(shorter.billedSeconds);
        expect(longer.poolSeconds).toBeGreaterThanOrEqual(shorter.poolSeconds);
        expect(longer.creditSeconds).toBeGreaterThanOrEqual(shorter.creditSeconds);
      }),
      RUNS,
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, (leg, c) => {
        expect(rateLeg(leg, settleCtx(c))).toEqual(rateLeg(leg, settleCtx(c)));
      }),
    );
  });
});

describe('authorize', () => {
  it('allows exactly what settle would not flag, refusing with the first flag', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, (leg, c) => {
        const a = rateLeg(leg, authorizeCtx(c));
        const s = decided(rateLeg(leg, settleCtx(c)));
        if (a.ok) {
          expect(a.flags).toEqual([]);
          expect(s.flags).toEqual([]);
          // the same billing as settle
          expect({ ...a, maxDurationSeconds: null }).toEqual(s);
        } else if (s.flags.length > 0) {
          const first = s.flags[0] === 'rate_not_found' ? 'country_not_supported' : s.flags[0];
          expect(a.reason).toBe(first);
        } else {
          // settle sees nothing wrong, yet the balance (or the pool alone) cannot carry the call
          expect(['insufficient_credits', 'no_communications_credits_license', 'credits_not_purchasable_in_country', 'country_not_supported', 'rate_currency_mismatch']).toContain(a.reason);
        }
      }),
      RUNS,
    );
  });

  it('maxDurationSeconds is tight: a call that long is allowed and settles within the balance, one second more is refused', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, (leg, c) => {
        const a = rateLeg({ ...leg, durationSeconds: 0 }, authorizeCtx(c));
        if (!a.ok || a.maxDurationSeconds === null) return;
        const max = a.maxDurationSeconds;
        expect(max).toBeGreaterThan(0);
        expect(rateLeg({ ...leg, durationSeconds: max }, authorizeCtx(c)).ok).toBe(true);
        expect(rateLeg({ ...leg, durationSeconds: max + 1 }, authorizeCtx(c)).ok).toBe(false);
        const s = decided(rateLeg({ ...leg, durationSeconds: max }, settleCtx(c)));
        expect(s.flags).toEqual([]);
        if (c.tenant.billingMode === 'prepaid') expect(s.chargeMicros).toBeLessThanOrEqual(Math.max(0, c.balanceMicros));
      }),
      RUNS,
    );
  });

  it('is unlimited only when credits are unlimited or not involved', () => {
    fc.assert(
      fc.property(arbLeg, arbContext, (leg, c) => {
        const a = rateLeg(leg, authorizeCtx(c));
        if (!a.ok || a.maxDurationSeconds !== null) return;
        const free = a.paidBy === 'subscription' || a.paidBy === 'addon';
        const freeRate = a.rate !== undefined && a.rate.perMinuteMicros === 0;
        expect(free || c.tenant.billingMode === 'postpaid' || freeRate).toBe(true);
      }),
      RUNS,
    );
  });
});
