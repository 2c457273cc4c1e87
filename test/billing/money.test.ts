import fc from 'fast-check';
import {
  chargeForSeconds,
  formatMoney,
  MAX_AMOUNT_UNITS,
  MICROS_PER_UNIT,
  microsToDecimalString,
  parseAmount,
  secondsCoveredBy,
} from '../../src/billing/money';

describe('parseAmount accepts plain decimals, exactly', () => {
  it.each([
    ['0', 0],
    ['200', 200_000_000],
    ['12.50', 12_500_000],
    ['12.5', 12_500_000],
    ['0.000001', 1],
    ['0.1', 100_000],
    ['0.3', 300_000], // 0.1 + 0.2 style float traps do not apply: the digits are read as text
    ['1.999999', 1_999_999],
    ['007.5', 7_500_000],
    ['50', 50_000_000],
    ['999999999.999999', 999_999_999_999_999],
    ['1000000000', 1_000_000_000_000_000],
    ['1000000000.000000', 1_000_000_000_000_000],
  ])('%j -> %d micros', (text, micros) => {
    expect(parseAmount(text)).toEqual({ ok: true, micros });
  });
});

describe('parseAmount rejects anything else, naming what was wrong', () => {
  it.each([
    ['', /empty/],
    [' 1', /spaces/],
    ['1 ', /spaces/],
    ['1 000', /spaces/],
    ['\t5', /spaces/],
    ['-5', /negative/],
    ['-0.01', /negative/],
    ['+5', /plus sign/],
    ['1e9', /exponent/],
    ['1E3', /exponent/],
    ['1.5e-3', /exponent/],
    ['12,50', /comma/],
    ['1,000.00', /comma/],
    ['1.2.3', /more than one dot/],
    ['0x10', /hexadecimal/],
    ['NaN', /not a number/],
    ['Infinity', /not a number/],
    ['-Infinity', /negative/],
    ['abc', /not a number/],
    ['12a', /not a number/],
    ['$5', /not a number/],
    ['.5', /no digit before the dot; write 0\.5/],
    ['5.', /no digit after the dot; write 5\./],
    ['0.0000001', /7 decimal places; at most 6/],
    ['1.1234567', /7 decimal places/],
    ['1000000000.000001', /too large/],
    ['1000000001', /too large/],
    ['99999999999999999999999999', /too large/],
    ['٣', /not a number/], // Arabic-Indic digit: not a plain ASCII decimal
  ])('%j is rejected (%s)', (text, why) => {
    const r = parseAmount(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('invalid_amount');
    expect(r.message).toMatch(why);
    // Every message also says what to type instead.
    expect(r.message).toMatch(/e\.g\. 50 or 12\.50/);
  });

  it('quotes the offending text so the user sees what was read', () => {
    const r = parseAmount('12,50');
    expect(!r.ok && r.message).toContain('"12,50"');
  });
});

describe('microsToDecimalString', () => {
  it.each([
    [0, '0.000000'],
    [1, '0.000001'],
    [12_500_000, '12.500000'],
    [-1, '-0.000001'],
    [-12_345_678, '-12.345678'],
    [1_000_000_000_000_000, '1000000000.000000'],
  ])('%d -> %s', (micros, text) => {
    expect(microsToDecimalString(micros)).toBe(text);
  });

  it.each([0.5, NaN, Infinity, 2 ** 53])('throws on %p: not integer micros is a bug', (bad) => {
    expect(() => microsToDecimalString(bad)).toThrow(RangeError);
  });

  it('round-trips through parseAmount for every amount parseAmount accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT_UNITS * MICROS_PER_UNIT }), (micros) => {
        expect(parseAmount(microsToDecimalString(micros))).toEqual({ ok: true, micros });
      }),
    );
  });
});

describe('formatMoney', () => {
  it.each([
    [12_500_000, 'USD', 'en-US', '$12.50'],
    [0, 'USD', 'en-US', '$0.00'],
    [1, 'USD', 'en-US', '$0.00'],
    [4_999, 'USD', 'en-US', '$0.00'],
    [5_000, 'USD', 'en-US', '$0.01'], // half a cent rounds up
    [2_675_000, 'USD', 'en-US', '$2.68'], // a float would show $2.67
    [1_005_000, 'USD', 'en-US', '$1.01'],
    [-1_500_000, 'USD', 'en-US', '-$1.50'],
    [1_234_567_890_000, 'USD', 'en-US', '$1,234,567.89'],
    [1_234_567_890_000, 'EUR', 'de-DE', '1.234.567,89\u00a0€'],
    [123_500_000, 'JPY', 'ja-JP', '￥124'], // no minor units
    [1_234_567_800, 'BHD', 'en-US', 'BHD\u00a01,234.568'], // three minor units
    [50_000_000, 'GBP', 'en-GB', '£50.00'],
  ])('%d %s in %s -> %j', (micros, currency, locale, text) => {
    expect(formatMoney(micros, currency, locale)).toBe(text);
  });

  it('defaults to en-US', () => {
    expect(formatMoney(1_000_000, 'EUR')).toBe('€1.00');
  });

  it('throws on an unknown currency code (a caller bug)', () => {
    expect(() => formatMoney(1, 'US')).toThrow(RangeError);
  });

  it('agrees with exact half-up rounding to cents for any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (micros) => {
        const cents = Math.floor((micros + 5_000) / 10_000);
        const expected = `$${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
        expect(formatMoney(micros, 'USD')).toBe(expected);
      }),
    );
  });
});

describe('chargeForSeconds: seconds × perMinute / 60, rounded half up', () => {
  it.each([
    [0, 60_000, 0],
    [60, 60_000, 60_000],
    [1, 60_000, 1_000],
    [1, 30, 1], // 0.5 micro rounds up
    [1, 29, 0], // 0.483 micro rounds down
    [90, 250_000, 375_000],
    [61, 50_000, 50_833], // 50833.33
    [3600, 20_000, 1_200_000],
    [10 ** 9, 10 ** 12, 16_666_666_666_666_667], // exceeds safe range: must throw, checked below
  ])('%d s at %d/min', (seconds, perMinute, expected) => {
    if (expected > Number.MAX_SAFE_INTEGER) {
      expect(() => chargeForSeconds(seconds, perMinute)).toThrow(RangeError);
    } else {
      expect(chargeForSeconds(seconds, perMinute)).toBe(expected);
    }
  });

  it('equals Math.round(s × p / 60) wherever floats are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 10_000_000 }), (s, p) => {
        expect(chargeForSeconds(s, p)).toBe(Math.round((s * p) / 60));
      }),
    );
  });

  it.each([
    [-1, 1],
    [1.5, 1],
    [1, -1],
    [1, 0.5],
  ])('throws on bad input (%p s, %p/min)', (s, p) => {
    expect(() => chargeForSeconds(s, p)).toThrow(RangeError);
  });
});

describe('secondsCoveredBy: the inverse of chargeForSeconds', () => {
  it.each([
    [60_000, 60_000, 60],
    [59_999, 60_000, 59], // 59 s cost 59_000; 60 s would cost 60_000
    [0, 60_000, 0],
    [-1, 60_000, 0],
    [1_000_000, 0, null], // a free rate covers anything
    [0, 30, 0], // 1 s at 30/min already costs round(0.5) = 1 micro
    [1, 30, 2], // 2 s cost exactly 1 micro, 3 s cost round(1.5) = 2
  ])('budget %d at %d/min covers %p s', (budget, perMinute, seconds) => {
    expect(secondsCoveredBy(budget, perMinute)).toBe(seconds);
  });

  it('is the largest s with chargeForSeconds(s) <= budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 1, max: 10 ** 7 }), (budget, p) => {
        const s = secondsCoveredBy(budget, p);
        expect(s).not.toBeNull();
        if (s === null) return;
        expect(chargeForSeconds(s, p)).toBeLessThanOrEqual(budget);
        expect(chargeForSeconds(s + 1, p)).toBeGreaterThan(budget);
      }),
    );
  });
});
