import fc from 'fast-check';
import { parsePhoneNumber } from '../../src/billing/phone-number';
import {
  parseRateCardCsv,
  RATE_CARD_HEADER,
  RATE_KINDS,
  RateCard,
  rateCardToCsv,
  type Rate,
  type RateKind,
} from '../../src/billing/rate-card';

const HEADER = 'kind,prefix,country,description,perMinute,connectionFee,incrementSeconds,currency,effectiveFrom';

function rate(partial: Partial<Rate> & Pick<Rate, 'kind' | 'prefix' | 'country'>): Rate {
  return {
    description: '',
    perMinuteMicros: 10_000,
    connectionFeeMicros: 0,
    incrementSeconds: 60,
    currency: 'USD',
    effectiveFrom: '2024-01-01',
    ...partial,
  };
}

function errorsOf(text: string): { line: number; reason: string }[] {
  const r = parseRateCardCsv(text);
  if (r.ok) throw new Error(`expected errors, parsed ${r.rates.length} rates`);
  return r.errors;
}

describe('parseRateCardCsv: valid files', () => {
  it('uses exactly the documented header', () => {
    expect(RATE_CARD_HEADER).toBe(HEADER);
  });

  it('parses rows, applying the defaults for empty connectionFee and incrementSeconds', () => {
    const r = parseRateCardCsv(`${HEADER}\nconf_out,4915,DE,Germany mobile,0.25,,,USD,2024-01-01\nconf_in_tollfree,,US,US toll-free,0.04,0.10,6,USD,2024-02-29\n`);
    expect(r).toEqual({
      ok: true,
      rates: [
        { kind: 'conf_out', prefix: '4915', country: 'DE', description: 'Germany mobile', perMinuteMicros: 250_000, connectionFeeMicros: 0, incrementSeconds: 60, currency: 'USD', effectiveFrom: '2024-01-01' },
        { kind: 'conf_in_tollfree', prefix: '', country: 'US', description: 'US toll-free', perMinuteMicros: 40_000, connectionFeeMicros: 100_000, incrementSeconds: 6, currency: 'USD', effectiveFrom: '2024-02-29' },
      ],
    });
  });

  it('follows RFC 4180 quoting: commas, doubled quotes and line breaks inside quotes', () => {
    const text = `${HEADER}\r\nconf_out,,DE,"Germany, landline ""Festnetz""\r\nsecond line",0.06,,60,USD,2024-01-01\r\n"conf_out","447","GB","",0.20,"","60","USD","2024-01-01"\r\n`;
    const r = parseRateCardCsv(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rates.map((x) => x.description)).toEqual(['Germany, landline "Festnetz"\r\nsecond line', '']);
    expect(r.rates[1]?.prefix).toBe('447');
  });

  it('skips # comment lines (before and after the header), blank lines and a byte-order mark', () => {
    const text = `\uFEFF# SAMPLE prices\n# second comment\n\n${HEADER}\n\n# a comment between rows\nconf_out,,DE,x,0.06,,60,USD,2024-01-01\n\n`;
    const r = parseRateCardCsv(text);
    expect(r.ok && r.rates).toHaveLength(1);
  });

  it('accepts a header-only file as an empty card, and a file without a final newline', () => {
    expect(parseRateCardCsv(HEADER)).toEqual({ ok: true, rates: [] });
    const r = parseRateCardCsv(`${HEADER}\nconf_out,,DE,x,0.06,,60,USD,2024-01-01`);
    expect(r.ok && r.rates).toHaveLength(1);
  });

  it('allows an empty country on a prefixed row (any country with that prefix)', () => {
    const r = parseRateCardCsv(`${HEADER}\nconf_out,44,,UK and Crown dependencies,0.05,,60,USD,2024-01-01\n`);
    expect(r.ok && r.rates[0]?.country).toBe('');
  });

  it('allows the same prefix for several countries sharing a calling code, and several effective dates', () => {
    const r = parseRateCardCsv(
      `${HEADER}\nconf_out,1,US,,0.03,,60,USD,2024-01-01\nconf_out,1,CA,,0.03,,60,USD,2024-01-01\nconf_out,1,CA,,0.02,,60,USD,2025-01-01\nconf_in_toll,1,CA,,0.02,,60,USD,2024-01-01\n`,
    );
    expect(r.ok && r.rates).toHaveLength(4);
  });
});

describe('parseRateCardCsv: errors, each with its line', () => {
  const row = (fields: Partial<Record<string, string>>): string => {
    const f = { kind: 'conf_out', prefix: '', country: 'DE', description: 'x', perMinute: '0.06', connectionFee: '', incrementSeconds: '60', currency: 'USD', effectiveFrom: '2024-01-01', ...fields };
    return [f.kind, f.prefix, f.country, f.description, f.perMinute, f.connectionFee, f.incrementSeconds, f.currency, f.effectiveFrom].join(',');
  };

  it.each([
    ['unknown kind', { kind: 'conf_in' }, /kind "conf_in" is not one of conf_in_toll, conf_in_tollfree, conf_out/],
    ['prefix with +', { prefix: '+49' }, /prefix "\+49" must be E\.164 digits only/],
    ['prefix with space', { prefix: '49 15' }, /prefix "49 15" must be E\.164 digits only/],
    ['prefix too long', { prefix: '4915123456789012' }, /longer than 15 digits/],
    ['prefix of another country', { prefix: '4415' }, /prefix "4415" does not start with DE's calling code 49/],
    ['empty prefix and country', { country: '' }, /empty prefix needs a country/],
    ['lower-case country', { country: 'de' }, /country "de" is not an upper-case ISO 3166 alpha-2 code/],
    ['unknown country', { country: 'XX' }, /country "XX"/],
    ['three-letter country', { country: 'DEU' }, /country "DEU"/],
    ['comma decimal', { perMinute: '"0,06"' }, /perMinute: "0,06" contains a comma/],
    ['negative rate', { perMinute: '-0.06' }, /perMinute: "-0.06" is negative/],
    ['empty rate', { perMinute: '' }, /perMinute: The amount is empty/],
    ['too many decimals', { perMinute: '0.0000001' }, /perMinute: .*7 decimal places/],
    ['exponent fee', { connectionFee: '1e-2' }, /connectionFee: "1e-2" uses an exponent/],
    ['zero increment', { incrementSeconds: '0' }, /incrementSeconds "0" must be a whole number of seconds from 1 to 3600/],
    ['fractional increment', { incrementSeconds: '1.5' }, /incrementSeconds "1.5"/],
    ['huge increment', { incrementSeconds: '3601' }, /incrementSeconds "3601"/],
    ['lower-case currency', { currency: 'usd' }, /currency "usd" is not an upper-case ISO 4217 code/],
    ['unknown currency', { currency: 'XYZ' }, /currency "XYZ"/],
    ['impossible date', { effectiveFrom: '2024-02-30' }, /effectiveFrom "2024-02-30" is not a date written YYYY-MM-DD/],
    ['non-ISO date', { effectiveFrom: '01/01/2024' }, /effectiveFrom "01\/01\/2024"/],
    ['timestamp', { effectiveFrom: '2024-01-01T00:00:00Z' }, /effectiveFrom/],
  ])('%s', (_name, fields, why) => {
    // Two valid lines first (header on 1, a comment on 2, a good row on 3): the bad row is on line 4.
    const errors = errorsOf(`${HEADER}\n# comment\n${row({})}\n${row(fields)}\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.line).toBe(4);
    expect(errors[0]?.reason).toMatch(why);
  });

  it('reports a wrong number of fields, hinting at unquoted commas', () => {
    const errors = errorsOf(`${HEADER}\nconf_out,,DE,Germany, landline,0.06,,60,USD,2024-01-01\nconf_out,,DE\n`);
    expect(errors).toEqual([
      { line: 2, reason: expect.stringMatching(/expected 9 fields .* but found 10; quote a description that contains commas/) },
      { line: 3, reason: expect.stringMatching(/but found 3/) },
    ]);
  });

  it('reports every problem of every row, sorted by line', () => {
    const errors = errorsOf(`${HEADER}\n${row({ kind: 'x', perMinute: 'abc' })}\n${row({})}\n${row({ currency: 'usd' })}\n`);
    expect(errors.map((e) => e.line)).toEqual([2, 2, 4]);
  });

  it('rejects a second currency, naming the line that set the first', () => {
    const errors = errorsOf(`${HEADER}\n${row({})}\n${row({ country: 'FR', currency: 'EUR' })}\n`);
    expect(errors).toEqual([{ line: 3, reason: 'currency EUR differs from USD on line 2: a rate card has one currency' }]);
  });

  it('rejects a duplicate kind+prefix+country+effectiveFrom, naming the first line', () => {
    const errors = errorsOf(`${HEADER}\n${row({})}\n${row({ perMinute: '0.07' })}\n`);
    expect(errors).toEqual([{ line: 3, reason: 'same kind, prefix, country and effectiveFrom as line 2: keep one of them' }]);
  });

  it('rejects a wrong header (and says what it must be)', () => {
    expect(errorsOf('kind,prefix,country\nconf_out,,DE\n')).toEqual([
      { line: 1, reason: `the header must be exactly ${HEADER} (found kind,prefix,country)` },
    ]);
    expect(errorsOf(`# comment\n${HEADER.toUpperCase()}\n`)[0]?.line).toBe(2);
    expect(errorsOf(`${HEADER},extra\n`)[0]?.reason).toMatch(/header must be exactly/);
  });

  it('rejects an empty file', () => {
    expect(errorsOf('')).toEqual([{ line: 1, reason: expect.stringMatching(/no header row/) }]);
    expect(errorsOf('# only a comment\n\n')[0]?.reason).toMatch(/no header row/);
  });

  it('counts physical lines through quoted line breaks', () => {
    const errors = errorsOf(`${HEADER}\nconf_out,,DE,"two\nlines",0.06,,60,USD,2024-01-01\nconf_out,,FR,x,bad,,60,USD,2024-01-01\n`);
    expect(errors).toEqual([{ line: 4, reason: expect.stringMatching(/perMinute: "bad"/) }]);
  });

  it('reports an unclosed quote, with the line where reading stopped', () => {
    expect(errorsOf(`${HEADER}\n${row({})}\nconf_out,,FR,"never closed,0.05,,60,USD,2024-01-01\n${row({ country: 'GB' })}\n`)).toEqual([
      { line: 4, reason: expect.stringMatching(/not valid CSV: .*opening quote/) },
    ]);
  });

  it('reports stray quotes', () => {
    expect(errorsOf(`${HEADER}\nconf_out,,DE,say "hi",0.06,,60,USD,2024-01-01\n`)).toEqual([
      { line: 2, reason: expect.stringMatching(/not valid CSV: .*quote/i) },
    ]);
    // A syntax error stops the read: nothing of a broken file is loaded.
    expect(errorsOf(`${HEADER}\nconf_out,,DE,"say" hi,0.06,,60,USD,2024-01-01\n${row({ kind: 'bad' })}\n`)).toEqual([
      { line: 2, reason: expect.stringMatching(/not valid CSV: .*Closing Quote/i) },
    ]);
  });

  it('does not treat spaces around fields as padding', () => {
    expect(errorsOf(`${HEADER}\nconf_out,,DE,x, 0.06,,60,USD,2024-01-01\n`)[0]?.reason).toMatch(/perMinute: " 0.06" contains spaces/);
  });
});

describe('RateCard.find', () => {
  const card = new RateCard([
    rate({ kind: 'conf_out', prefix: '', country: 'DE', perMinuteMicros: 60_000, description: 'DE default' }),
    rate({ kind: 'conf_out', prefix: '49', country: 'DE', perMinuteMicros: 70_000, description: 'DE 49' }),
    rate({ kind: 'conf_out', prefix: '4915', country: 'DE', perMinuteMicros: 250_000, description: 'DE mobile 4915' }),
    rate({ kind: 'conf_out', prefix: '49151', country: '', perMinuteMicros: 300_000, description: 'any 49151', effectiveFrom: '2025-01-01' }),
    rate({ kind: 'conf_out', prefix: '1', country: 'US', perMinuteMicros: 30_000, description: 'US 1' }),
    rate({ kind: 'conf_out', prefix: '', country: 'CA', perMinuteMicros: 35_000, description: 'CA default' }),
    rate({ kind: 'conf_out', prefix: '1900', country: 'US', perMinuteMicros: 2_000_000, description: 'US premium' }),
    rate({ kind: 'conf_out', prefix: '447', country: 'GB', perMinuteMicros: 200_000, description: 'GB mobile' }),
    rate({ kind: 'conf_out', prefix: '44', country: '', perMinuteMicros: 50_000, description: 'any 44' }),
    rate({ kind: 'conf_out', prefix: '', country: 'IN', perMinuteMicros: 80_000, description: 'IN 2024' }),
    rate({ kind: 'conf_out', prefix: '', country: 'IN', perMinuteMicros: 60_000, description: 'IN 2025-07', effectiveFrom: '2025-07-01' }),
    rate({ kind: 'conf_out', prefix: '', country: 'IN', perMinuteMicros: 50_000, description: 'IN 2026', effectiveFrom: '2026-01-01' }),
    rate({ kind: 'conf_in_toll', prefix: '', country: 'DE', perMinuteMicros: 40_000, description: 'DE toll' }),
    rate({ kind: 'conf_in_tollfree', prefix: '49800', country: 'DE', perMinuteMicros: 120_000, description: 'DE toll-free' }),
  ]);
  const at = new Date('2024-06-15T12:00:00Z');
  const find = (kind: RateKind, e164: string, when: Date = at): string | undefined => {
    const n = parsePhoneNumber(e164);
    if (!n.ok) throw new Error(`test number ${e164} is invalid`);
    return card.find(kind, n.value, when)?.description;
  };

  it.each([
    ['conf_out', '+4915123456789', 'DE mobile 4915', 'longest prefix: mobile beats the 49 row and the default'],
    ['conf_out', '+4916012345678', 'DE 49', 'no 4916 row: the 49 row'],
    ['conf_out', '+4930901820', 'DE 49', 'landline: the 49 row beats the country default'],
    ['conf_out', '+12015550123', 'US 1', 'US number: the US-only prefix 1'],
    ['conf_out', '+19005551234', 'US premium', 'US premium prefix 1900'],
    ['conf_out', '+16045550123', 'CA default', 'a Canadian +1 number never takes the US-only "1" row'],
    ['conf_out', '+17872345678', undefined, 'Puerto Rico has no row, and the US "1" row is US-only'],
    ['conf_out', '+447400123456', 'GB mobile', 'GB mobile'],
    ['conf_out', '+442071838750', 'any 44', 'GB landline falls to the country-less 44 row'],
    ['conf_out', '+447781123456', 'any 44', 'a Guernsey mobile does not take the GB-only 447 row'],
    ['conf_in_toll', '+4930901820', 'DE toll', 'kinds are separate'],
    ['conf_in_tollfree', '+4980012345678', 'DE toll-free', 'toll-free by prefix'],
    ['conf_in_tollfree', '+4930901820', undefined, 'no toll-free row matches'],
    ['conf_in_toll', '+33142685300', undefined, 'no FR row at all'],
  ] as const)('%s %s -> %s (%s)', (kind, e164, expected, _why) => {
    expect(find(kind, e164)).toBe(expected);
  });

  it('picks the latest effectiveFrom on or before the start (UTC day)', () => {
    expect(find('conf_out', '+918123456789', new Date('2024-01-01T00:00:00Z'))).toBe('IN 2024');
    expect(find('conf_out', '+918123456789', new Date('2025-06-30T23:59:59.999Z'))).toBe('IN 2024');
    expect(find('conf_out', '+918123456789', new Date('2025-07-01T00:00:00Z'))).toBe('IN 2025-07');
    expect(find('conf_out', '+918123456789', new Date('2025-12-31T23:59:59Z'))).toBe('IN 2025-07');
    expect(find('conf_out', '+918123456789', new Date('2030-01-01T00:00:00Z'))).toBe('IN 2026');
    // 2025-07-01 00:30 in India is still 2025-06-30 in UTC: UTC decides.
    expect(find('conf_out', '+918123456789', new Date('2025-07-01T00:30:00+05:30'))).toBe('IN 2024');
  });

  it('ignores rows not yet in force, falling back to a shorter prefix', () => {
    expect(find('conf_out', '+4915123456789', new Date('2024-12-31T23:59:59Z'))).toBe('DE mobile 4915');
    expect(find('conf_out', '+4915123456789', new Date('2025-01-01T00:00:00Z'))).toBe('any 49151');
    expect(find('conf_out', '+918123456789', new Date('2023-12-31T23:59:59Z'))).toBeUndefined();
  });

  it('prefers the country-specific row over a country-less one at the same prefix', () => {
    const c = new RateCard([
      rate({ kind: 'conf_out', prefix: '44', country: '', description: 'any' }),
      rate({ kind: 'conf_out', prefix: '44', country: 'GB', description: 'GB' }),
    ]);
    expect(c.find('conf_out', { digits: '442071838750', country: 'GB' }, at)?.description).toBe('GB');
    expect(c.find('conf_out', { digits: '447781123456', country: 'GG' }, at)?.description).toBe('any');
  });

  it('knows its currency and rates, and an empty card finds nothing', () => {
    expect(card.currency).toBe('USD');
    expect(card.rates).toHaveLength(14);
    const empty = new RateCard([]);
    expect(empty.currency).toBeUndefined();
    expect(empty.find('conf_out', { digits: '4930901820', country: 'DE' }, at)).toBeUndefined();
  });

  it('throws on an invalid date (a caller bug)', () => {
    expect(() => card.find('conf_out', { digits: '4930901820', country: 'DE' }, new Date('nope'))).toThrow(RangeError);
  });

  it('refuses inconsistent rates at construction (a caller bug)', () => {
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE' }), rate({ kind: 'conf_out', prefix: '', country: 'FR', currency: 'EUR' })])).toThrow(/one currency/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE' }), rate({ kind: 'conf_out', prefix: '', country: 'DE' })])).toThrow(/duplicate/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: '' })])).toThrow(/needs a country/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '+49', country: 'DE' })])).toThrow(/digits/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'de' })])).toThrow(/upper-case/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE', perMinuteMicros: -1 })])).toThrow(/perMinute/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE', perMinuteMicros: 0.5 })])).toThrow(/perMinute/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE', incrementSeconds: 0 })])).toThrow(/incrementSeconds/);
    expect(() => new RateCard([rate({ kind: 'conf_out', prefix: '', country: 'DE', effectiveFrom: '2024-13-01' })])).toThrow(/effectiveFrom/);
    expect(() => new RateCard([rate({ kind: 'x' as RateKind, prefix: '', country: 'DE' })])).toThrow(/kind/);
  });

  it('does not let callers change its rates', () => {
    const input = [rate({ kind: 'conf_out', prefix: '', country: 'DE' })];
    const c = new RateCard(input);
    input[0]!.perMinuteMicros = 1;
    expect(c.rates[0]?.perMinuteMicros).toBe(10_000);
    expect(Object.isFrozen(c.rates[0])).toBe(true);
  });

  it('RateCard.fromCsv returns the card or the errors', () => {
    const ok = RateCard.fromCsv(`${HEADER}\nconf_out,,DE,x,0.06,,60,USD,2024-01-01\n`);
    expect(ok.ok && ok.card.rates).toHaveLength(1);
    const bad = RateCard.fromCsv(`${HEADER}\nconf_out,,DE,x,abc,,60,USD,2024-01-01\n`);
    expect(!bad.ok && bad.errors[0]?.line).toBe(2);
  });
});

describe('rateCardToCsv', () => {
  const arbRate: fc.Arbitrary<Rate> = fc.record({
    kind: fc.constantFrom(...RATE_KINDS),
    prefix: fc.constantFrom('', '49', '4915', '491'),
    country: fc.constant('DE'),
    description: fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '#', ' ', 'é', '€'), maxLength: 12 })),
    perMinuteMicros: fc.integer({ min: 0, max: 10 ** 12 }),
    connectionFeeMicros: fc.integer({ min: 0, max: 10 ** 9 }),
    incrementSeconds: fc.integer({ min: 1, max: 3600 }),
    currency: fc.constant('EUR'),
    effectiveFrom: fc.constantFrom('2024-01-01', '2024-02-29', '2025-12-31'),
  });

  it('writes what parseRateCardCsv reads back unchanged (descriptions with quotes, commas, newlines, #)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbRate, { selector: (r) => `${r.kind}|${r.prefix}|${r.effectiveFrom}`, maxLength: 12 }), (rates) => {
        expect(parseRateCardCsv(rateCardToCsv(rates))).toEqual({ ok: true, rates });
      }),
    );
  });

  it('quotes a description that would otherwise start a comment or break the row', () => {
    const csv = rateCardToCsv([rate({ kind: 'conf_out', prefix: '', country: 'DE', description: 'a, "b"' })]);
    expect(csv).toBe(`${HEADER}\r\nconf_out,,DE,"a, ""b""",0.010000,0.000000,60,USD,2024-01-01\r\n`);
  });
});
