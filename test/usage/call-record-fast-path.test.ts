import fc from 'fast-check';
import { parseCallRecord } from '../../src/usage/call-record';

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
