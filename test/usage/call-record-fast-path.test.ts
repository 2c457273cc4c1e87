import fc from 'fast-check';
import { canonicalInstant, parseCallRecord } from '../../src/usage/call-record';

/**
 * parseCallRecord checks ordinary rows by hand and leaves anything unusual to the zod schema. The two must never
 * disagree: same record, same hash, same rejection and message, whatever the input.
 */
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constant(''), fc.constant('  x  '), fc.string({ minLength: 190, maxLength: 210 }));
const anyValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const field = (typical: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary: typical }, { weight: 1, arbitrary: anyValue });

const date = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-11-02T09:00:00Z', '2026-11-02T09:00Z', '2026-11-02T09:00:00+01:00', '2026-11-02T09:00:00.123456+0530', '2026-02-30T09:00:00Z', '2026-11-02 09:00:00Z', 'yesterday', ''),
);
const money = fc.oneof(fc.double({ min: -2e9, max: 2e9, noNaN: true }), fc.constantFrom('0.12', '', 'abc', '1e3', 0, null, Number.NaN, Infinity));

const record = fc.record(
  {
    id: field(fc.oneof(fc.uuid(), fc.constant(''), fc.constant('   '))),
    callId: field(fc.uuid()),
    callType: field(fc.constantFrom('conf_in', 'conf_out', 'CONF_OUT', 'user_in', 'emergency', '')),
    conferenceId: field(fc.string({ maxLength: 8 })),
    userId: field(fc.uuid()),
    userPrincipalName: field(fc.emailAddress()),
    userDisplayName: field(text),
    calleeNumber: field(fc.constantFrom('+4930123456', '+12025550123', '+1555', '')),
    callerNumber: field(fc.constantFrom('+442079460958', null)),
    inventoryType: field(fc.constantFrom('Toll', 'TollFree', 'toll_free', 'Toll Free', '')),
    startDateTime: field(date),
    endDateTime: field(date),
    duration: field(fc.oneof(fc.integer({ min: -5, max: 700_000 }), fc.double({ min: 0, max: 100 }))),
    charge: field(money),
    connectionCharge: field(money),
    currency: field(fc.constantFrom('USD', 'eur', '')),
    licenseCapability: field(fc.constantFrom('MCOMEETACPEA', 'FREECALL', 'MCOPSTNPP')),
  },
  { requiredKeys: [] },
);

describe('call record parsing: the fast path and the schema agree', () => {
  it('on arbitrary records, typical and odd', () => {
    fc.assert(
      fc.property(record, (input) => {
        expect(parseCallRecord(input)).toEqual(parseCallRecord(input, { schemaOnly: true }));
      }),
      { numRuns: 3000 },
    );
  });

  it('on anything at all', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(parseCallRecord(input)).toEqual(parseCallRecord(input, { schemaOnly: true }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('call record instants', () => {
  const base = { id: 'leg-1', callType: 'user_in', duration: 60 };
  const instant = (text: string) => {
    const parsed = parseCallRecord({ ...base, startDateTime: text, endDateTime: text });
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.record.startMs).toBe(Date.parse(parsed.record.startAt));
    return [parsed.record.startAt, parsed.record.endAt];
  };

  // A start already written as toISOString writes it is kept as given; it must be exactly toISOString's text.
  it.each([
    '2026-11-02T09:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '2026-02-29T00:00:00.000Z', // no such day: rolls over to 1 March, as Date.parse reads it
    '2026-02-30T09:00:00.000Z',
    '2026-04-31T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '2026-01-01t09:00:00.000Z',
    '2026-01-01T09:00:00.000z',
    '0050-06-01T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2026-11-02T09:00:00.1234Z',
    '2026-11-02T09:00:00Z',
    '2026-11-02T09:00:00.000+01:00',
  ])('%s is stored as toISOString writes it', (text) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      expect(parseCallRecord({ ...base, startDateTime: text }).ok).toBe(false);
      return;
    }
    expect(instant(text)).toEqual([new Date(ms).toISOString(), new Date(ms).toISOString()]);
  });

  it('for any instant of four-digit years, in any form', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(0, 0, 1) - 1900 * 365.25 * 86_400_000, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString();
        if (!/^\d{4}-/.test(text)) return;
        expect(instant(text)).toEqual([text, text]);
        expect(instant(text.replace('Z', '+00:00'))).toEqual([text, text]);
        // Graph's own form: seven fractional digits.
        expect(instant(text.replace(/\.(\d{3})Z$/, '.$10000Z'))).toEqual([text, text]);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('canonicalInstant', () => {
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  // Any text of the canonical shape, fields in range or not: read only when the pattern and Date.parse agree on it.
  it('answers only what the pattern and Date.parse would, and exactly that', () => {
    const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    const shaped = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3), fc.constantFrom('T', 't', ' '), fc.constantFrom('Z', 'z', '+'))
      .map(([y, mo, d, h, mi, s, ms, t, z]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}.${ms}${z}`);
    fc.assert(
      fc.property(fc.oneof(shaped, fc.string({ maxLength: 30 })), (text) => {
        const ms = canonicalInstant(text);
        if (ms === undefined) return;
        expect(ISO.test(text)).toBe(true);
        expect(ms).toBe(Date.parse(text));
        expect(new Date(ms).toISOString()).toBe(text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads every toISOString text of years 1000 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        expect(canonicalInstant(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('text no store keeps', () => {
  it.each([
    ['a NUL', 'bad\u0000id', false],
    ['a lone high surrogate', 'bad\uD800id', false],
    ['a lone low surrogate', 'bad\uDC00id', false],
    ['a surrogate pair', 'ok\uD83D\uDE00id', true],
  ])('%s in a text field', (_what, value, ok) => {
    const parsed = parseCallRecord({ id: 'leg-1', callType: 'user_in', duration: 60, startDateTime: '2026-11-02T09:00:00Z', userDisplayName: value });
    expect(parsed.ok).toBe(ok);
    if (!parsed.ok) expect(parsed.message).toMatch(/^userDisplayName: /);
    expect(parseCallRecord({ id: 'leg-1', callType: 'user_in', duration: 60, startDateTime: '2026-11-02T09:00:00Z', userDisplayName: value }, { schemaOnly: true }).ok).toBe(ok);
  });
});
