import fc from 'fast-check';
import { POOL_SECONDS_PER_LICENSE, poolAlertsCrossed, poolMonth, poolSecondsFor, splitPool } from '../../src/billing/dial-out-pool';

describe('pool size', () => {
  it('is 60 minutes per license', () => {
    expect(POOL_SECONDS_PER_LICENSE).toBe(3600);
    expect(poolSecondsFor(0)).toBe(0);
    expect(poolSecondsFor(1)).toBe(3600);
    expect(poolSecondsFor(250)).toBe(900_000);
  });

  it.each([-1, 1.5, NaN])('throws on a license count of %p', (n) => {
    expect(() => poolSecondsFor(n)).toThrow(RangeError);
  });
});

describe('poolMonth: calendar months in UTC', () => {
  it.each([
    ['2024-01-01T00:00:00Z', '2024-01'],
    ['2024-01-31T23:59:59.999Z', '2024-01'],
    ['2024-02-01T00:00:00Z', '2024-02'],
    ['2024-02-29T12:00:00Z', '2024-02'],
    ['2024-12-31T23:59:59Z', '2024-12'],
    ['2025-01-01T00:59:59+01:00', '2024-12'], // still December in UTC
    ['2024-03-31T20:00:00-05:00', '2024-04'], // already April in UTC
  ])('%s -> %s', (iso, month) => {
    expect(poolMonth(new Date(iso))).toBe(month);
  });

  it('throws on an invalid date', () => {
    expect(() => poolMonth(new Date('nope'))).toThrow(RangeError);
  });

  // poolMonth writes the month itself for four-digit years: it must say what toISOString says, at every edge.
  it('is the month toISOString writes, for any instant', () => {
    const reference = (d: Date) => d.toISOString().slice(0, 7);
    for (const iso of ['0999-12-31T23:59:59.999Z', '1000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '-000001-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z']) {
      expect(poolMonth(new Date(iso))).toBe(reference(new Date(iso)));
    }
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(poolMonth(new Date(ms))).toBe(reference(new Date(ms)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.date({ min: new Date('1999-12-31T00:00:00Z'), max: new Date('2101-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        expect(poolMonth(d)).toBe(reference(d));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('splitPool', () => {
  it.each([
    [600, 3600, 600, 0],
    [600, 600, 600, 0],
    [600, 120, 120, 480],
    [600, 0, 0, 600],
    [600, -60, 0, 600],
    [0, 3600, 0, 0],
    [61, 30, 30, 31],
  ])('%d billed with %d left: pool %d, credits %d', (billed, left, pool, credits) => {
    expect(splitPool(billed, left)).toEqual({ poolSeconds: pool, creditSeconds: credits });
  });

  it('always adds up to the billed seconds and never overdraws', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.integer({ min: -10_000, max: 100_000 }), (billed, left) => {
        const { poolSeconds, creditSeconds } = splitPool(billed, left);
        expect(poolSeconds + creditSeconds).toBe(billed);
        expect(poolSeconds).toBeGreaterThanOrEqual(0);
        expect(poolSeconds).toBeLessThanOrEqual(Math.max(0, left));
        expect(creditSeconds).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('poolAlertsCrossed: 80 % and 100 %, each once', () => {
  it.each([
    [3600, 0, 2879, []],
    [3600, 0, 2880, [80]],
    [3600, 2879, 2880, [80]],
    [3600, 2880, 3000, []],
    [3600, 2000, 3600, [80, 100]],
    [3600, 3599, 3600, [100]],
    [3600, 3600, 4000, []],
    [0, 0, 60, []],
  ])('pool %d, used %d -> %d: %j', (pool, before, after, alerts) => {
    expect(poolAlertsCrossed(pool, before, after)).toEqual(alerts);
  });

  it('fires each threshold exactly once over any sequence of legs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(fc.nat(5_000), { maxLength: 60 }), (pool, legs) => {
        let used = 0;
        const fired: number[] = [];
        for (const s of legs) {
          fired.push(...poolAlertsCrossed(pool, used, used + s));
          used += s;
        }
        expect(fired).toEqual([80, 100].filter((pct) => used * 100 >= pct * pool));
      }),
    );
  });
});
