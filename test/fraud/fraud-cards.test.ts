import { buildFraudIncidentCard, MAX_INCIDENT_MEETINGS_SHOWN } from '../../src/bot/cards/fraud-incident-card';
import { buildFraudIncidentsCard, MAX_INCIDENTS_SHOWN } from '../../src/bot/cards/fraud-incidents-card';
import { buildFraudSettingsCard } from '../../src/bot/cards/fraud-settings-card';
import type { IncidentWithMeetings } from '../../src/fraud/fraud-admin';
import { defaultFraudSettings } from '../../src/fraud/fraud-settings';
import type { MatchDetail } from '../../src/fraud/rules';
import { cardText, executeActions } from '../bot/cards/card-check';
import { adminCtx, LONG_NAME, LONG_TITLE } from '../bot/cards/card-fixtures';
import { expectValidCard } from '../bot/cards/expect-valid-card';

function incident(detail: MatchDetail, over: Partial<IncidentWithMeetings> = {}): IncidentWithMeetings {
  return {
    id: 'inc-1',
    organizerId: 'aad-ana',
    organizerName: 'Ana Rivera',
    organizerUpn: 'ana@contoso.example',
    pattern: detail.pattern,
    status: 'open',
    legs: 3,
    dialOutSeconds: 5400,
    costMicros: 135_000_000,
    firstLegAt: '2025-03-13T02:10:00Z',
    lastLegAt: '2025-03-13T03:40:00Z',
    openedAt: '2025-03-14T06:00:00Z',
    updatedAt: '2025-03-14T06:00:00Z',
    detail,
    blockTarget: '+449',
    actions: [],
    resolvedAt: null,
    resolvedBy: null,
    meetings: [{ conferenceId: '583920174', legs: 3, lastStartAt: '2025-03-13T03:40:00Z' }],
    ...over,
  };
}

const DETAILS: MatchDetail[] = [
  { pattern: 'premium_rate', ratePerMinuteMicros: 1_500_000, ceilingMicros: 1_000_000 },
  { pattern: 'minutes_spike', window: 'hour', minutes: 720, limitMinutes: 240, baselineMinutesPerDay: 22.5 },
  { pattern: 'new_country', country: 'NG', firstCallMs: Date.parse('2025-03-13T02:10:00Z') },
  { pattern: 'short_call_burst', range: '442079460', shortCalls: 25, day: '2025-03-13' },
  { pattern: 'night_hours', localTime: '03:40', timeZone: 'America/Chicago', nightMinutes: 90 },
];

describe('fraud incident card', () => {
  it.each(DETAILS.map((d) => [d.pattern, d] as const))('%s: says what happened, who, the cost so far and offers the decisions', (_p, detail) => {
    const card = buildFraudIncidentCard({ incident: incident(detail) }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Suspected toll fraud');
    expect(text).toContain('Ana Rivera (ana@contoso.example)');
    expect(text).toContain('$135.00');
    expect(text).toContain('3 dial-outs, 90 min');
    expect(executeActions(card).map((a) => a.verb)).toEqual(['fraud.incident', 'show.meeting', 'fraud.restrict', 'fraud.block', 'fraud.dismiss', 'fraud.incident']);
  });

  it('spells out each pattern', () => {
    const texts = DETAILS.map((d) => cardText(buildFraudIncidentCard({ incident: incident(d, { blockTarget: d.pattern === 'new_country' ? 'NG' : '+449' }) }, adminCtx)));
    expect(texts[0]).toContain('3 dial-outs (90 min) to numbers starting +449 at $1.50/min, above the $1.00/min rate ceiling.');
    expect(texts[1]).toContain("720 dial-out minutes in one clock hour, above the limit of 240: the organizer's 28-day average is 22.5 minutes a day.");
    expect(texts[2]).toContain('to Nigeria, a country nobody in the organization had called before 2025-03-13 02:10 UTC.');
    expect(texts[2]).toContain('Block Nigeria (NG)');
    expect(texts[3]).toContain('25 short dial-outs on 2025-03-13 to numbers starting +442079460.');
    expect(texts[4]).toContain("90 dial-out minutes in the organizer's night, the latest call at 03:40 (America/Chicago).");
  });

  it('stays under the size Teams accepts with many meetings and long names, and counts what it leaves out', () => {
    const meetings = Array.from({ length: 40 }, (_, i) => ({ conferenceId: `conf-${i}`, legs: 2, lastStartAt: '2025-03-13T03:40:00Z' }));
    const titles = new Map(meetings.map((m) => [m.conferenceId, LONG_TITLE]));
    const card = buildFraudIncidentCard({ incident: incident(DETAILS[0]!, { organizerName: LONG_NAME, meetings }), meetingTitles: titles }, adminCtx);
    expectValidCard(card);
    expect(cardText(card)).toContain(`and ${40 - MAX_INCIDENT_MEETINGS_SHOWN} more meetings`);
  });

  it('after decisions: what was done, and only the decisions left', () => {
    const card = buildFraudIncidentCard(
      { incident: incident(DETAILS[0]!, { status: 'resolved', actions: ['restricted'], resolvedAt: '2025-03-14T08:00:00Z', resolvedBy: 'aad-admin' }), notice: 'Restricted.' },
      adminCtx,
    );
    expectValidCard(card);
    expect(cardText(card)).toContain('RESOLVED: ORGANIZER RESTRICTED');
    expect(cardText(card)).toContain('Restricted.');
    expect(executeActions(card).map((a) => a.verb)).toEqual(['fraud.incident', 'show.meeting', 'fraud.block', 'fraud.incident']);
  });
});

describe('fraud incidents card', () => {
  it('lists the latest incidents and counts the rest; says so when there are none', () => {
    const many = Array.from({ length: 25 }, (_, i) => incident(DETAILS[i % 5]!, { id: `inc-${i}`, organizerName: LONG_NAME }));
    const card = buildFraudIncidentsCard({ incidents: many, blocking: true }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('25 open incidents');
    expect(text).toContain(`and ${25 - MAX_INCIDENTS_SHOWN} more incidents`);
    expect(text).toContain('Blocking is on');
    expect(executeActions(card).filter((a) => a.verb === 'fraud.incident')).toHaveLength(MAX_INCIDENTS_SHOWN);
    const none = buildFraudIncidentsCard({ incidents: [], blocking: false }, adminCtx);
    expectValidCard(none);
    expect(cardText(none)).toContain('No open incidents');
  });
});

describe('fraud settings card', () => {
  it('shows every threshold, the rules, time zones and the block list', () => {
    const settings = { ...defaultFraudSettings(), disabled: ['night_hours' as const], timeZones: { US: 'America/Los_Angeles' } };
    const card = buildFraudSettingsCard({ settings, country: 'US', blockList: [{ target: '+449', added_at: '2025-03-14T08:00:00Z', added_by: 'aad-admin' }], notice: 'Blocked.' }, adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    for (const name of ['rate-ceiling', 'spike-hour-minutes', 'spike-day-factor', 'learning-days', 'short-calls', 'range-digits', 'night-hours', 'night-minutes']) expect(text).toContain(name);
    expect(text).toContain('Off: Dial-out in the organizer');
    expect(text).toContain('United States: America/Los_Angeles (set by an admin)');
    expect(text).toContain('numbers starting +449, added');
    expect(text).toContain('Blocked.');
  });
});
