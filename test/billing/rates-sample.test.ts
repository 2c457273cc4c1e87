import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZONE_A } from '../../src/billing/countries';
import { parsePhoneNumber } from '../../src/billing/phone-number';
import { parseRateCardCsv, RateCard, type Rate, type RateKind } from '../../src/billing/rate-card';

const text = readFileSync(join(__dirname, '../../data/rates.sample.csv'), 'utf8');
const parsed = parseRateCardCsv(text);
const rates: Rate[] = parsed.ok ? parsed.rates : [];
const card = new RateCard(rates);
const at = new Date('2024-06-01T12:00:00Z');

function lookup(kind: RateKind, e164: string, when = at): Rate | undefined {
  const n = parsePhoneNumber(e164);
  if (!n.ok) throw new Error(`test number ${e164} is invalid`);
  return card.find(kind, n.value, when);
}

describe('data/rates.sample.csv', () => {
  it('parses without errors', () => {
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    expect(rates.length).toBeGreaterThan(170);
  });

  it('opens with # comments saying these are SAMPLE prices, not Microsoft\'s published rates', () => {
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^#.*SAMPLE/);
    const preamble = lines.slice(0, lines.findIndex((l) => !l.startsWith('#')));
    expect(preamble.length).toBeGreaterThanOrEqual(3);
    expect(preamble.join(' ')).toMatch(/NOT Microsoft's published rates/i);
  });

  it('is in USD, with base rows effective 2024-01-01 and plausible prices', () => {
    expect(card.currency).toBe('USD');
    expect(rates.filter((r) => r.effectiveFrom === '2024-01-01').length).toBe(rates.length - 1);
    for (const r of rates) {
      expect(r.perMinuteMicros).toBeGreaterThan(0);
      expect(r.perMinuteMicros).toBeLessThanOrEqual(2_000_000);
      expect(r.incrementSeconds).toBe(60);
    }
    for (const r of rates.filter((x) => x.kind === 'conf_in_tollfree')) {
      expect(r.perMinuteMicros).toBeGreaterThanOrEqual(40_000);
      expect(r.perMinuteMicros).toBeLessThanOrEqual(200_000);
    }
  });

  const defaults = (kind: RateKind): Set<string> => new Set(rates.filter((r) => r.kind === kind && r.prefix === '').map((r) => r.country));

  it.each(['conf_out', 'conf_in_toll', 'conf_in_tollfree'] as const)('has a %s country default for all 44 Zone A countries', (kind) => {
    const covered = defaults(kind);
    expect([...ZONE_A].filter((c) => !covered.has(c))).toEqual([]);
  });

  it('covers at least 12 countries outside Zone A with all three kinds', () => {
    const all = [...defaults('conf_out')].filter((c) => defaults('conf_in_toll').has(c) && defaults('conf_in_tollfree').has(c));
    const others = all.filter((c) => !ZONE_A.has(c));
    expect(others.length).toBeGreaterThanOrEqual(12);
    expect(others).toEqual(expect.arrayContaining(['AE', 'AR', 'CL', 'CO', 'EG', 'IL', 'KE', 'NG', 'PH', 'SA', 'TR', 'UA', 'VN', 'PK']));
  });

  it.each([
    ['conf_out', '+4930901820', 60_000, 'DE landline: the country default'],
    ['conf_out', '+4915123456789', 250_000, 'DE mobile 4915'],
    ['conf_out', '+4916012345678', 250_000, 'DE mobile 4916'],
    ['conf_out', '+4917012345678', 250_000, 'DE mobile 4917'],
    ['conf_out', '+12015550123', 30_000, 'US dial-out'],
    ['conf_out', '+16045550123', 30_000, 'CA dial-out'],
    ['conf_out', '+19005551234', 2_000_000, 'US premium'],
    ['conf_out', '+442071838750', 40_000, 'GB landline'],
    ['conf_out', '+447400123456', 200_000, 'GB mobile'],
    ['conf_out', '+449090123456', 1_500_000, 'GB premium'],
    ['conf_out', '+33142685300', 50_000, 'FR landline'],
    ['conf_out', '+33612345678', 220_000, 'FR mobile 336'],
    ['conf_out', '+33756123456', 220_000, 'FR mobile 337'],
    ['conf_out', '+34612345678', 200_000, 'ES mobile'],
    ['conf_out', '+393123456789', 200_000, 'IT mobile'],
    ['conf_out', '+31612345678', 200_000, 'NL mobile'],
    ['conf_out', '+17872345678', 50_000, 'Puerto Rico'],
    ['conf_out', '+97145123456', 300_000, 'UAE'],
    ['conf_in_toll', '+4930901820', 40_000, 'DE toll dial-in'],
    ['conf_in_tollfree', '+18005550199', 40_000, 'US toll-free dial-in'],
    ['conf_in_tollfree', '+4980012345678', 120_000, 'DE toll-free dial-in'],
  ] as const)('%s %s costs %d micros/min (%s)', (kind, e164, perMinute, _why) => {
    expect(lookup(kind, e164)?.perMinuteMicros).toBe(perMinute);
  });

  it('has a row with a connection fee (EG dial-out)', () => {
    const eg = lookup('conf_out', '+20212345678');
    expect(eg?.connectionFeeMicros).toBe(100_000);
    expect(rates.filter((r) => r.connectionFeeMicros > 0)).toHaveLength(1);
  });

  it('has a later rate that overrides an earlier one (IN dial-out from 2025-07-01)', () => {
    expect(lookup('conf_out', '+918123456789', new Date('2025-06-30T23:59:59Z'))?.perMinuteMicros).toBe(80_000);
    expect(lookup('conf_out', '+918123456789', new Date('2025-07-01T00:00:00Z'))?.perMinuteMicros).toBe(60_000);
  });

  it('leaves Guernsey mobiles to no rate rather than the GB mobile row', () => {
    expect(lookup('conf_out', '+447781123456')).toBeUndefined();
  });
});
