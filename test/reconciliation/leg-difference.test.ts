import { CAUSE_ADVICE, CAUSE_WORDS, differenceDetail } from '../../src/reconciliation/difference-words';
import { compareLeg, DIFFERENCE_CAUSES, type DifferenceCause, type DifferenceReason, type LegCharges } from '../../src/reconciliation/leg-difference';

/** A 10-minute dial-out to a German landline at $0.06 a minute, charged to credits: Tollgate says $0.60. */
function leg(overrides: Partial<Omit<LegCharges, 'microsoft'>> = {}, microsoft: Partial<LegCharges['microsoft']> = {}): LegCharges {
  return {
    callType: 'conf_out',
    destinationCountry: 'DE',
    durationSeconds: 600,
    paidBy: 'credits',
    billedSeconds: 600,
    poolSeconds: 0,
    creditSeconds: 600,
    chargeMicros: 600_000,
    ratePerMinuteMicros: 60_000,
    connectionFeeMicros: 0,
    flags: [],
    ...overrides,
    microsoft: { chargeMicros: 600_000, connectionChargeMicros: null, currency: 'USD', licenseCapability: null, ...microsoft },
  };
}

const USD = { currency: 'USD' };

describe('compareLeg: one leg, Tollgate beside Microsoft', () => {
  it.each<[string, LegCharges, DifferenceCause, DifferenceReason]>([
    // Microsoft's charges agree
    ['the same charge', leg(), 'match', 'agrees'],
    ['half a cent apart', leg({}, { chargeMicros: 605_000 }), 'match', 'agrees'],
    ['exactly one cent apart', leg({}, { chargeMicros: 610_000 }), 'match', 'agrees'],
    ['both charged nothing (subscription toll dial-in)', leg({ callType: 'conf_in', paidBy: 'subscription', creditSeconds: 0, chargeMicros: 0, ratePerMinuteMicros: 40_000 }, { chargeMicros: 0 }), 'match', 'agrees'],
    ['both charged nothing, Microsoft in another currency', leg({ paidBy: 'pool', chargeMicros: 0, creditSeconds: 0, poolSeconds: 600 }, { chargeMicros: 0, currency: 'EUR' }), 'match', 'agrees'],
    ['the connection fee reported apart by Microsoft', leg({ chargeMicros: 700_000, connectionFeeMicros: 100_000 }, { chargeMicros: 600_000, connectionChargeMicros: 100_000 }), 'match', 'agrees'],
    ['no currency from Microsoft: the tenant\'s is assumed', leg({}, { currency: null }), 'match', 'agrees'],
    // rate card differs
    ['Microsoft priced the minutes at $0.07', leg({}, { chargeMicros: 700_000 }), 'rate_card', 'per_minute_rate_differs'],
    ['Microsoft priced the minutes at $0.05', leg({}, { chargeMicros: 500_000 }), 'rate_card', 'per_minute_rate_differs'],
    ['a rate half a cent a minute apart is not rounding', leg({}, { chargeMicros: 650_000 }), 'rate_card', 'per_minute_rate_differs'],
    ['the connection fee differs', leg({ chargeMicros: 700_000, connectionFeeMicros: 100_000 }, { chargeMicros: 600_000, connectionChargeMicros: 50_000 }), 'rate_card', 'connection_fee_differs'],
    ['Microsoft charged no connection fee', leg({ chargeMicros: 700_000, connectionFeeMicros: 100_000 }, { chargeMicros: 600_000 }), 'rate_card', 'connection_fee_differs'],
    ['Tollgate found no rate', leg({ chargeMicros: 0, ratePerMinuteMicros: null, flags: ['rate_not_found'] }), 'rate_card', 'tollgate_has_no_rate'],
    ['Tollgate\'s rate card prices it at nothing', leg({ chargeMicros: 0, ratePerMinuteMicros: 0 }), 'rate_card', 'tollgate_charged_nothing'],
    // license or pool state differs
    ['Tollgate took it from the pool, Microsoft charged credits', leg({ destinationCountry: 'GB', paidBy: 'pool', poolSeconds: 600, creditSeconds: 0, chargeMicros: 0, ratePerMinuteMicros: 50_000 }, { chargeMicros: 500_000 }), 'pool_or_license', 'tollgate_pool'],
    ['Tollgate counted it in the subscription, Microsoft charged', leg({ callType: 'conf_in', paidBy: 'subscription', creditSeconds: 0, chargeMicros: 0, ratePerMinuteMicros: 40_000 }, { chargeMicros: 400_000, licenseCapability: 'MCOMEETACPEA' }), 'pool_or_license', 'tollgate_subscription'],
    ['Tollgate counted it under the add-on, Microsoft charged', leg({ destinationCountry: 'US', paidBy: 'addon', creditSeconds: 0, chargeMicros: 0, ratePerMinuteMicros: 30_000 }, { chargeMicros: 300_000 }), 'pool_or_license', 'tollgate_addon'],
    ['Microsoft charged nothing, Tollgate charged credits', leg({}, { chargeMicros: 0, licenseCapability: 'MCOMEETADD' }), 'pool_or_license', 'microsoft_charged_nothing'],
    // 30 min to the UK: Tollgate's pool had 10 min left (20 min charged), Microsoft's had none (30 min charged).
    ['the pool had other minutes left', leg({ destinationCountry: 'GB', durationSeconds: 1800, billedSeconds: 1800, poolSeconds: 600, creditSeconds: 1200, chargeMicros: 1_000_000, ratePerMinuteMicros: 50_000 }, { chargeMicros: 1_500_000 }), 'pool_or_license', 'pool_minutes_differ'],
    // 30 min to the UK, all to credits by Tollgate; Microsoft still had 12 pool minutes.
    ['Microsoft still had pool minutes', leg({ destinationCountry: 'GB', durationSeconds: 1800, billedSeconds: 1800, creditSeconds: 1800, chargeMicros: 1_500_000, ratePerMinuteMicros: 50_000 }, { chargeMicros: 900_000 }), 'pool_or_license', 'pool_minutes_differ'],
    // rounding
    ['Microsoft billed the exact seconds', leg({ durationSeconds: 61, billedSeconds: 120, creditSeconds: 120, chargeMicros: 120_000 }, { chargeMicros: 61_000 }), 'rounding', 'per_second'],
    ['a minute more', leg({ durationSeconds: 590 }, { chargeMicros: 660_000 }), 'rounding', 'one_minute'],
    ['a minute less', leg({ durationSeconds: 560 }, { chargeMicros: 540_000 }), 'rounding', 'one_minute'],
    // currency
    ['Microsoft charged in euros', leg({}, { chargeMicros: 550_000, currency: 'EUR' }), 'currency', 'currency_differs'],
  ])('%s', (_name, charges, cause, reason) => {
    const c = compareLeg(charges, USD);
    expect([c.cause, c.reason]).toEqual([cause, reason]);
    expect(c.differenceMicros).toBe(c.microsoftMicros - c.tollgateMicros);
    expect(c.tollgateMicros).toBe(charges.chargeMicros);
  });

  it("a leg outside Zone A is never put down to the pool: another whole number of minutes there is the rate's doing", () => {
    const charges = leg({ destinationCountry: 'AE', durationSeconds: 1800, billedSeconds: 1800, creditSeconds: 1800, chargeMicros: 12_000_000, ratePerMinuteMicros: 400_000 }, { chargeMicros: 8_000_000 });
    expect(compareLeg(charges, USD).cause).toBe('rate_card');
  });

  it("reports the rate Microsoft implicitly applied beside Tollgate's", () => {
    expect(compareLeg(leg({}, { chargeMicros: 700_000 }), USD)).toMatchObject({
      tollgateMicros: 600_000,
      microsoftMicros: 700_000,
      differenceMicros: 100_000,
      tollgatePerMinuteMicros: 60_000,
      microsoftPerMinuteMicros: 70_000,
    });
  });

  it('takes another tolerance', () => {
    expect(compareLeg(leg({}, { chargeMicros: 640_000 }), { currency: 'USD', toleranceMicros: 50_000 }).cause).toBe('match');
    expect(compareLeg(leg({}, { chargeMicros: 610_000 }), { currency: 'USD', toleranceMicros: 0 }).cause).not.toBe('match');
  });

  it('compares currencies whatever their case', () => {
    expect(compareLeg(leg({}, { currency: 'usd' }), { currency: 'USD' }).cause).toBe('match');
  });
});

describe('difference words', () => {
  it('names every cause and says what to do about each', () => {
    for (const cause of DIFFERENCE_CAUSES) {
      expect(CAUSE_WORDS[cause]).toMatch(/^[A-Z]/);
      expect(CAUSE_ADVICE[cause]).toMatch(/^[A-Z].*\.$/);
    }
    expect(CAUSE_WORDS.rate_card).toBe('Rate card differs');
    expect(CAUSE_WORDS.pool_or_license).toBe('License or pool state differs');
    expect(CAUSE_WORDS.rounding).toBe('Rounding');
  });

  it.each<[string, LegCharges, RegExp]>([
    ['rate', leg({}, { chargeMicros: 700_000 }), /Microsoft charged \$0\.07\/min for 10 min; Tollgate's rate card has \$0\.06\/min\./],
    ['pool', leg({ destinationCountry: 'GB', paidBy: 'pool', poolSeconds: 600, creditSeconds: 0, chargeMicros: 0 }, { chargeMicros: 500_000 }), /took it from the dial-out minute pool; Microsoft charged \$0\.50/],
    ['pool minutes', leg({ destinationCountry: 'GB', durationSeconds: 1800, billedSeconds: 1800, poolSeconds: 600, creditSeconds: 1200, chargeMicros: 1_000_000, ratePerMinuteMicros: 50_000 }, { chargeMicros: 1_500_000 }), /Microsoft charged 30 min at the same rate; Tollgate charged 20 min to credits and took 10 min from the pool\./],
    ['license', leg({ callType: 'conf_in', paidBy: 'subscription', creditSeconds: 0, chargeMicros: 0 }, { chargeMicros: 400_000, licenseCapability: 'MCOMEETACPEA' }), /subscription; Microsoft charged \$0\.40 \(billed under MCOMEETACPEA\)/],
    ['rounding', leg({ durationSeconds: 61, billedSeconds: 120, creditSeconds: 120, chargeMicros: 120_000 }, { chargeMicros: 61_000 }), /Microsoft billed the exact 61 s \(\$0\.06\); Tollgate rounded up to 2 min \(\$0\.12\)/],
    ['currency', leg({}, { chargeMicros: 550_000, currency: 'EUR' }), /Microsoft charged €0\.55; the credits are in USD/],
    ['unknown currency code', leg({}, { chargeMicros: 550_000, currency: 'XYZ1' }), /Microsoft charged 0\.550000 XYZ1/],
  ])('%s: says what differs, with both figures', (_name, charges, text) => {
    expect(differenceDetail(charges, compareLeg(charges, USD), USD)).toMatch(text);
  });
});
