import { buildReconcileCard, MAX_LEGS_SHOWN, MAX_MEETINGS_SHOWN, type ReconcileCardInput } from '../../../src/bot/cards/reconcile-card';
import type { LegDifference, MeetingDifference } from '../../../src/reconciliation/reconciliation';
import { cardText, executeActions } from './card-check';
import { adminCtx, LONG_TITLE } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

let seq = 0;
function legDifference(overrides: Partial<LegDifference> = {}): LegDifference {
  seq += 1;
  return {
    id: `leg-${seq}`,
    conferenceId: '583920174',
    organizerId: 'aad-ana',
    callType: 'conf_out',
    number: '+4930901820',
    tollFree: false,
    destinationCountry: 'DE',
    startDateTime: '2025-03-13T15:02:00Z',
    durationSeconds: 600,
    billedSeconds: 600,
    poolSeconds: 0,
    creditSeconds: 600,
    paidBy: 'credits',
    cause: 'rate_card',
    reason: 'per_minute_rate_differs',
    tollgateMicros: 600_000,
    microsoftMicros: 700_000,
    differenceMicros: 100_000,
    tollgatePerMinuteMicros: 60_000,
    microsoftPerMinuteMicros: 70_000,
    microsoftMinutes: null,
    microsoftCurrency: 'USD',
    microsoftLicenseCapability: null,
    causeText: 'Rate card differs',
    detail: "Microsoft charged $0.07/min for 10 min; Tollgate's rate card has $0.06/min.",
    ...overrides,
  };
}

function meeting(overrides: Partial<MeetingDifference> = {}): MeetingDifference {
  return { conferenceId: '583920174', comparedLegs: 4, differingLegs: 1, unreconciledLegs: 0, tollgateMicros: 4_870_000, microsoftMicros: 4_970_000, differenceMicros: 100_000, causes: ['rate_card'], ...overrides };
}

function report(overrides: Partial<ReconcileCardInput> = {}): ReconcileCardInput {
  return {
    month: '2025-03',
    toleranceMicros: 10_000,
    totals: { tollgateMicros: 53_860_000, microsoftMicros: 53_960_000, differenceMicros: 100_000 },
    legs: { rated: 44, compared: 41, matched: 40, differing: 1, otherCurrency: 0, unreconciled: 3, unreconciledTollgateMicros: 1_200_000 },
    causes: { rate_card: 1, pool_or_license: 0, rounding: 0, currency: 0 },
    meetingCounts: { compared: 12, differing: 1 },
    meetings: [meeting()],
    differingLegs: [legDifference()],
    ...overrides,
  };
}

describe('reconcile card', () => {
  it('shows the totals, the counts, the causes with advice, and each meeting and call that differs', () => {
    const card = buildReconcileCard(report(), adminCtx, { meetingTitles: new Map([['583920174', 'Weekly sales call']]) });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Reconciliation with Microsoft\nMarch 2025');
    expect(text).toContain('+$0.10\nMicrosoft billed more than Tollgate charged\nDIFFERS');
    expect(text).toContain('Tollgate charged\n$53.86');
    expect(text).toContain('Microsoft billed\n$53.96');
    expect(text).toContain('Calls compared\n41 calls: 40 match, 1 differ');
    expect(text).toContain("Not yet reconciled\n3 calls ($1.20 by Tollgate's rating)");
    expect(text).toContain('Meetings that differ\n1 of 12');
    expect(text).toContain('Rate card differs (1 call)');
    expect(text).toContain('tollgate rates load');
    expect(text).toContain('Weekly sales call\nTollgate $4.87 · Microsoft $4.97 · 1 of 4 calls differ · Rate card differs\n+$0.10');
    expect(text).toContain('+49 30 901820\nDial-out · Germany · 10 min · Thu, Mar 13, 2025, 11:02 AM EDT · Weekly sales call');
    expect(text).toContain("Tollgate $0.60 · Microsoft $0.70\nRate card differs: Microsoft charged $0.07/min for 10 min; Tollgate's rate card has $0.06/min.\n+$0.10");
  });

  it('refreshes the same month, by button and card-level refresh', () => {
    const card = buildReconcileCard(report(), adminCtx);
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'refresh.reconcile', data: { month: '2025-03' } },
      userIds: ['29:1abcAdminMri'],
    });
    expect(executeActions(card)).toEqual([
      { verb: 'refresh.reconcile', data: { month: '2025-03' }, title: 'Refresh' },
      { verb: 'refresh.reconcile', data: { month: '2025-03' }, title: 'Refresh' },
    ]);
  });

  it('a month where Microsoft agrees: says so, no causes, meetings or calls', () => {
    const card = buildReconcileCard(
      report({
        totals: { tollgateMicros: 53_860_000, microsoftMicros: 53_860_000, differenceMicros: 0 },
        legs: { rated: 41, compared: 41, matched: 41, differing: 0, otherCurrency: 0, unreconciled: 0, unreconciledTollgateMicros: 0 },
        causes: { rate_card: 0, pool_or_license: 0, rounding: 0, currency: 0 },
        meetingCounts: { compared: 12, differing: 0 },
        meetings: [],
        differingLegs: [],
      }),
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('$0.00\nMicrosoft and Tollgate agree on the total\nAGREES');
    expect(text).toContain('Not yet reconciled\nNone');
    expect(text).not.toContain('Likely causes');
    expect(text).not.toContain('Calls that differ');
  });

  it('a month with nothing to compare yet', () => {
    const card = buildReconcileCard(
      report({
        totals: { tollgateMicros: 0, microsoftMicros: 0, differenceMicros: 0 },
        legs: { rated: 5, compared: 0, matched: 0, differing: 0, otherCurrency: 0, unreconciled: 5, unreconciledTollgateMicros: 2_000_000 },
        causes: { rate_card: 0, pool_or_license: 0, rounding: 0, currency: 0 },
        meetingCounts: { compared: 0, differing: 0 },
        meetings: [],
        differingLegs: [],
      }),
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain("No call of this month carries Microsoft's charge yet");
    expect(text).toContain('NOT YET');
    expect(text).toContain('Calls compared\nNone yet');
  });

  it('every cause, a call billed in another currency, and a meeting whose small differences add up', () => {
    const legs = [
      legDifference({ cause: 'pool_or_license', causeText: 'License or pool state differs', paidBy: 'pool', tollgateMicros: 0, microsoftMicros: 1_500_000, differenceMicros: 1_500_000, detail: 'Tollgate took it from the dial-out minute pool; Microsoft charged $1.50.', number: '+442079460958', destinationCountry: 'GB' }),
      legDifference({ cause: 'rounding', causeText: 'Rounding', microsoftMicros: 61_000, tollgateMicros: 120_000, differenceMicros: -59_000, detail: 'Microsoft billed the exact 61 s ($0.06); Tollgate rounded up to 2 min ($0.12).' }),
      legDifference({ cause: 'currency', causeText: 'Currency differs', microsoftCurrency: 'EUR', microsoftMicros: 550_000, differenceMicros: -50_000, detail: 'Microsoft charged €0.55; the credits are in USD (Tollgate charged $0.60).', conferenceId: null }),
    ];
    const card = buildReconcileCard(
      report({
        causes: { rate_card: 0, pool_or_license: 1, rounding: 1, currency: 1 },
        legs: { rated: 4, compared: 4, matched: 1, differing: 3, otherCurrency: 1, unreconciled: 0, unreconciledTollgateMicros: 0 },
        meetings: [meeting({ conferenceId: 'small', differingLegs: 0, comparedLegs: 3, tollgateMicros: 180_000, microsoftMicros: 204_000, differenceMicros: 24_000, causes: ['rounding'] })],
        differingLegs: legs,
      }),
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('License or pool state differs (1 call)');
    expect(text).toContain('Rounding (1 call)');
    expect(text).toContain('Currency differs (1 call)');
    expect(text).toContain('Billed in another currency\n1 call, not in the totals');
    expect(text).toContain('Meeting small\nTollgate $0.18 · Microsoft $0.20 · small differences add up · Rounding\n+$0.02');
    expect(text).toContain('Tollgate $0.60 · Microsoft in EUR');
    expect(text).toContain('Not comparable');
    expect(text).toContain('Calls without a meeting');
  });

  it(`lists at most ${MAX_LEGS_SHOWN} calls and ${MAX_MEETINGS_SHOWN} meetings, staying under Teams' size limit`, () => {
    const legs = Array.from({ length: 140 }, (_, i) => legDifference({ conferenceId: `conference-${i}`, detail: `${LONG_TITLE} ${i}` }));
    const meetings = Array.from({ length: 60 }, (_, i) => meeting({ conferenceId: `conference-${i}` }));
    const titles = new Map(meetings.map((m) => [m.conferenceId!, `${LONG_TITLE} ${m.conferenceId}`]));
    const card = buildReconcileCard(report({ differingLegs: legs, meetings }), adminCtx, { meetingTitles: titles });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('and 130 more calls: tollgate reconcile --month 2025-03 lists them all.');
    expect(text).toContain('and 55 more meetings');
  });

  it('masks numbers for anyone but an admin', () => {
    const text = cardText(buildReconcileCard(report(), { ...adminCtx, isAdmin: false }));
    expect(text).not.toContain('901820');
  });
});
