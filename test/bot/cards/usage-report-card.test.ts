import { buildUsageReportCard } from '../../../src/bot/cards/usage-report-card';
import { cardText, executeActions } from './card-check';
import { LONG_NAME, usageReport, userCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

const monospaceLines = (card: unknown): string[] => {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextBlock' && o.fontType === 'Monospace') out.push(String(o.text));
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
};

describe('usage report card', () => {
  it('shows the period, total, spend by kind, top 10 countries by name, organizers and meetings', () => {
    const card = buildUsageReportCard(usageReport(), userCtx, { meetingTitles: new Map([['583920174', 'Weekly sales call']]) });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Usage: March 2025 (to date)');
    expect(text).toContain('Mar 1\u2009–\u200914, 2025 (UTC)');
    expect(text).toContain('$670.94');
    expect(text).toContain('544 calls charged in this period');
    expect(text).toContain('Dial-out\n$380.94');
    expect(text).toContain('Dial-in (toll-free)\n$210.00');
    expect(text).toContain('Dial-in (toll, pay-per-minute)\n$80.00');
    expect(text).toContain('United States\n310 calls · 7,750 min\n$412.30');
    expect(text).toContain('United Kingdom');
    expect(text).toContain('South Africa');
    expect(text).not.toContain('Singapore');
    expect(text).toContain('and 2 more countries: $3.50');
    expect(text).toContain('Ana Costa\n200 calls · 5,000 min\n$310.00');
    expect(text).toContain(LONG_NAME);
    expect(text).toContain('Unknown organizer');
    expect(text).toContain('Weekly sales call\n40 calls · 1,500 min\n$120.00');
    expect(text).toContain('Meeting 771203948');
    expect(text).toContain('Busiest day: Thu, Mar 13, 2025, $234.30.');
    const details = executeActions(card).filter((a) => a.verb === 'show.meeting');
    expect(details.map((a) => a.data)).toEqual([{ conferenceId: '583920174' }, { conferenceId: '771203948' }]);
  });

  it('draws the daily chart with text only: equal-width monospace rows, tallest bar on the busiest day', () => {
    const card = buildUsageReportCard(usageReport(), userCtx);
    const lines = monospaceLines(card);
    // 4 bar rows, the axis and the labels; March 1 to 14 (to date) = 14 days at 2 cells each.
    expect(lines).toHaveLength(6);
    const bars = lines.slice(0, 4);
    for (const row of bars) expect([...row]).toHaveLength(28);
    expect(lines[4]).toBe('─'.repeat(27));
    expect(lines[5]!.startsWith('1')).toBe(true);
    expect(lines[5]).toContain('14');
    // Day 13 (index 12) is the busiest: full in the top row. Days without spend are blank in every row.
    expect([...bars[0]!][24]).toBe('█');
    expect(bars.every((r) => [...r][2] === '\u00A0')).toBe(true);
    expect(JSON.stringify(card)).not.toMatch(/"type":"(Chart|Chart\.[A-Za-z]+|Table)"/);
  });

  it('refreshes the same period: verb refresh.usage with from, to and label', () => {
    const card = buildUsageReportCard(usageReport(), userCtx);
    const data = { from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', label: 'March 2025 (to date)' };
    expect((card.refresh as { action: unknown }).action).toEqual({ type: 'Action.Execute', title: 'Refresh', verb: 'refresh.usage', data });
    expect(executeActions(card).filter((a) => a.verb === 'refresh.usage')).toHaveLength(2);
  });

  it('an empty period: no sections, no chart, says so', () => {
    const card = buildUsageReportCard(
      usageReport({ totalMicros: 0, legs: 0, byKind: { tollFreeDialInMicros: 0, dialOutMicros: 0, ppmDialInMicros: 0 }, byCountry: [], topOrganizers: [], topMeetings: [], daily: [] }),
      userCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('$0.00');
    expect(text).toContain('No dial-in or dial-out calls in this period.');
    expect(text).not.toContain('By destination country');
    expect(monospaceLines(card)).toEqual([]);
  });

  it('a past month, a week, unknown and missing countries, calls outside any meeting', () => {
    const card = buildUsageReportCard(
      usageReport({
        range: { label: 'Last 7 days', from: '2025-03-07T09:30:00.000Z', to: '2025-03-14T09:30:00.001Z' },
        byCountry: [
          { key: 'QQ', chargeMicros: 5_000_000, legs: 2, billedSeconds: 600 },
          { key: '', chargeMicros: 1_000_000, legs: 1, billedSeconds: 60 },
        ],
        topMeetings: [{ key: '', chargeMicros: 3_000_000, legs: 3, billedSeconds: 900 }],
      }),
      userCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Mar 7\u2009–\u200914, 2025 (UTC)');
    expect(text).toContain('Unknown country (QQ)');
    expect(text).toContain('Unknown destination');
    expect(text).toContain('Calls outside a known meeting');
    expect(executeActions(card).filter((a) => a.verb === 'show.meeting')).toEqual([]);
    // Eight days at four cells each: wide bars with a gap.
    expect([...monospaceLines(card)[0]!]).toHaveLength(32);
  });

  it('February of a past year charts all its days', () => {
    const card = buildUsageReportCard(
      usageReport({ range: { label: 'February 2024', from: '2024-02-01T00:00:00.000Z', to: '2024-03-01T00:00:00.000Z' }, daily: [{ day: '2024-02-29', chargeMicros: 1_000_000 }] }),
      userCtx,
    );
    expectValidCard(card);
    const lines = monospaceLines(card);
    expect([...lines[3]!]).toHaveLength(29);
    expect([...lines[3]!][28]).toBe('█');
    expect(lines[5]!.endsWith('29')).toBe(true);
  });
});
