import { buildMeetingsListCard, MAX_MEETINGS_SHOWN } from '../../../src/bot/cards/meetings-list-card';
import { cardText, executeActions } from './card-check';
import { LONG_NAME, LONG_TITLE, meetingView, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

describe('meetings list card', () => {
  const meetings = [
    meetingView(),
    meetingView({
      conferenceId: '771203948',
      organizerId: 'aad-jonas',
      legs: 2,
      billedMinutes: 38,
      poolMinutes: 0,
      chargeMicros: 1_520_000,
      paidBy: { subscription: 0, pool: 0, credits: 2, addon: 0 },
      flaggedLegs: 1,
      firstStart: '2025-03-14T08:00:00Z',
      lastEnd: '2025-03-14T08:40:00Z',
    }),
  ];
  const titles = new Map([['583920174', 'Weekly sales call']]);
  const organizers = new Map([
    ['aad-ana', { displayName: 'Ana Costa', upn: 'ana.costa@contoso.com' }],
    ['aad-jonas', { displayName: null, upn: 'jonas.weber@contoso.com' }],
  ]);

  it('lists recent meetings, newest first, with cost, calls and minutes, each opening its cost card', () => {
    const card = buildMeetingsListCard({ meetings, titles, organizers }, userCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text.indexOf('Meeting 771203948')).toBeLessThan(text.indexOf('Weekly sales call'));
    expect(text).toContain('Weekly sales call\n · Ana Costa');
    expect(text).toContain(' · jonas.weber@contoso.com');
    expect(text).toContain('4 calls · 144 min · 12 pool min · 3 calls from credits, 1 in the subscription');
    expect(text).toContain('$4.87');
    expect(text).toContain('2 calls · 38 min · 2 calls from credits');
    expect(text).toContain('⚠ 1 call needs attention');
    expect(text).toContain('$6.39 in all');
    const actions = executeActions(card).filter((a) => a.verb === 'show.meeting');
    expect(actions.map((a) => a.data)).toEqual([{ conferenceId: '771203948' }, { conferenceId: '583920174' }]);
    expect((card.refresh as { action: { verb: string } }).action.verb).toBe('refresh.meetings');
  });

  it('no meetings yet', () => {
    const card = buildMeetingsListCard({ meetings: [] }, userCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain('No meetings with dial-in or dial-out calls yet.');
    expect(executeActions(card).filter((a) => a.verb === 'show.meeting')).toEqual([]);
  });

  it(`shows at most ${MAX_MEETINGS_SHOWN}, with long titles and names`, () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      meetingView({ conferenceId: String(100000000 + i), organizerId: 'aad-long', firstStart: `2025-03-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`, lastEnd: null }),
    );
    const card = buildMeetingsListCard(
      { meetings: many, titles: new Map(many.map((m) => [m.conferenceId, LONG_TITLE])), organizers: new Map([['aad-long', { displayName: LONG_NAME, upn: null }]]) },
      userCtx,
    );
    expectValidCard(card);
    expect(executeActions(card).filter((a) => a.verb === 'show.meeting')).toHaveLength(MAX_MEETINGS_SHOWN);
    expect(cardText(card)).toContain('20 older meetings are not shown.');
  });
});
