import { buildMeetingCostCard, MAX_LEGS_SHOWN } from '../../../src/bot/cards/meeting-cost-card';
import { cardText, executeActions } from './card-check';
import { adminCtx, leg, LONG_NAME, LONG_TITLE, salesCallLegs, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const organizer = { displayName: 'Ana Costa', upn: 'ana.costa@contoso.com' };

describe('meeting cost card', () => {
  it('shows each leg: masked number, kind, country, minutes, who paid, charge; then the totals', () => {
    const card = buildMeetingCostCard(
      { conferenceId: '583920174', title: 'Weekly sales call', organizer, legs: salesCallLegs(), balanceAfterMicros: 196_140_000 },
      userCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Weekly sales call');
    expect(text).toContain('Thu, Mar 13, 2025, 11:00');
    expect(text).toContain('Ana Costa');
    expect(text).toContain('+1 425 ••• 0100\nDial-in (toll) · United States · 45 min · Subscription\n$0.00');
    expect(text).toContain('+1 800 ••• 0199\nDial-in (toll-free) · United States · 44 min · Credits\n$1.58');
    expect(text).toContain('+44 20 •••• 0958\nDial-out · United Kingdom · 30 min · Pool + credits · 12 min from the pool\n$0.54');
    expect(text).toContain('+55 11 ••••• 4321\nDial-out · Brazil · 25 min · Credits\n$2.75');
    expect(text).toContain('$4.87');
    expect(text).toContain('Calls\n4 calls');
    expect(text).toContain('Billed minutes\n144 min');
    expect(text).toContain('Pool minutes used\n12 min');
    expect(text).toContain('Charged to credits\n$4.87');
    expect(text).toContain('Balance after the meeting\n$196.14');
    expect(text).toContain('ESTIMATED');
    expect(text).toContain('Status: estimated.');
    expect(text).not.toContain('7946');
  });

  it('shows admins the full numbers', () => {
    const text = cardText(buildMeetingCostCard({ conferenceId: '583920174', organizer, legs: salesCallLegs() }, adminCtx));
    expect(text).toContain('+44 20 7946 0958');
    expect(text).toContain('+55 11 98765 4321');
  });

  it('refreshes with verb refresh.meeting and the conferenceId, by button and card-level refresh', () => {
    const card = buildMeetingCostCard({ conferenceId: '583920174', legs: salesCallLegs() }, adminCtx);
    const data = { conferenceId: '583920174', legsAfter: '', legsUntil: '' };
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'refresh.meeting', data },
      userIds: ['29:1abcAdminMri'],
    });
    expect(executeActions(card)).toEqual([
      { verb: 'refresh.meeting', data, title: 'Refresh' },
      { verb: 'refresh.meeting', data, title: 'Refresh' },
    ]);
  });

  it("one occurrence of a recurring meeting: its Refresh carries the occurrence's window", () => {
    const occurrence = { after: '2026-11-08T11:05:00.000Z', until: '2026-11-15T11:05:00.000Z' };
    const card = buildMeetingCostCard({ conferenceId: '583920174', legs: salesCallLegs(), occurrence }, adminCtx);
    const data = { conferenceId: '583920174', legsAfter: occurrence.after, legsUntil: occurrence.until };
    expect((card.refresh as { action: unknown }).action).toEqual({ type: 'Action.Execute', title: 'Refresh', verb: 'refresh.meeting', data });
    expect(executeActions(card).map((a) => a.data)).toEqual([data, data]);
  });

  it('unknown title: shows the conferenceId; no legs: says so', () => {
    const card = buildMeetingCostCard({ conferenceId: '990011223', title: null, organizer: null, legs: [] }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Meeting 990011223');
    expect(text).toContain('No dial-in or dial-out calls were recorded for this meeting.');
    expect(text).toContain('Unknown organizer');
    expect(text).toContain('Time not known');
    expect(text).toContain('Charged to credits\n$0.00');
    expect(text).not.toContain('Balance after');
  });

  it('flags in plain words, on the leg and once with what to do', () => {
    const legs = [
      leg({ number: '+4930901820', destinationCountry: 'DE', paidBy: 'credits', poolMinutes: 0, chargeMicros: 900_000, flags: ['dialout_zone_a_only', 'no_communications_credits_license'] }),
      leg({ number: '+4930901821', destinationCountry: 'DE', paidBy: 'credits', poolMinutes: 0, chargeMicros: 900_000, flags: ['no_communications_credits_license'] }),
      leg({ number: null, destinationCountry: null, paidBy: null, chargeMicros: 0, billedMinutes: 0, poolMinutes: 0, flags: ['rate_not_found', 'some_future_flag'] }),
    ];
    const card = buildMeetingCostCard({ conferenceId: '583920174', legs }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('⚠ Policy allows Zone A dial-out only; ⚠ Organizer has no Communications Credits license');
    expect(text).toContain('Needs attention');
    expect(text).toContain('Organizer has no Communications Credits license (2 calls)');
    expect(text).toContain('Ask an admin to assign it to the organizer.');
    expect(text).toContain('Number not recorded\nDial-out · Unknown destination · 0 min · Not charged');
    expect(text).toContain('Some future flag (1 call)');
  });

  it('names every payer', () => {
    const legs = [
      leg({ paidBy: 'pool', poolMinutes: 19 }),
      leg({ paidBy: 'addon', number: '+14165550123', destinationCountry: 'CA', poolMinutes: 0 }),
      leg({ paidBy: null, status: 'ignored', callType: 'user_out', poolMinutes: 0 }),
    ];
    const text = cardText(buildMeetingCostCard({ conferenceId: '583920174', legs }, userCtx));
    expect(text).toContain('Dial-out pool');
    expect(text).toContain('US/Canada add-on');
    expect(text).toContain('Other call · United Kingdom · 19 min · Not rated');
    expect(text).toContain('2 calls (1 not rated)');
  });

  it('very long title and organizer name still make a valid card', () => {
    const card = buildMeetingCostCard({ conferenceId: '583920174', title: LONG_TITLE, organizer: { displayName: LONG_NAME }, legs: salesCallLegs() }, userCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain(LONG_TITLE);
    expect(cardText(card)).toContain(LONG_NAME);
  });

  it('a title that looks like a template binding is shown, not expanded or mistaken for one', () => {
    const card = buildMeetingCostCard({ conferenceId: '583920174', title: 'Budget ${Q3} review', legs: [] }, userCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain('Budget $\u200B{Q3} review');
  });

  it(`lists at most ${MAX_LEGS_SHOWN} legs and sums the rest, staying under Teams' size limit`, () => {
    const legs = Array.from({ length: 140 }, (_, i) =>
      leg({ number: `+4930${String(9000000 + i)}`, destinationCountry: 'DE', paidBy: 'credits', poolMinutes: 0, chargeMicros: 100_000, startDateTime: `2025-03-13T15:${String(i % 60).padStart(2, '0')}:00Z` }),
    );
    const card = buildMeetingCostCard({ conferenceId: '583920174', title: LONG_TITLE, legs }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('and 115 more calls: $11.50');
    expect(text).toContain('Charged to credits\n$14.00');
  });

  it('reconciled status', () => {
    const text = cardText(buildMeetingCostCard({ conferenceId: '583920174', legs: salesCallLegs(), status: 'reconciled' }, userCtx));
    expect(text).toContain('RECONCILED');
    expect(text).toContain("reconciled with Microsoft's billed call records");
  });
});
