import { buildMonthlyDigestCard, type MonthlyDigestCardInput } from '../../../src/bot/cards/monthly-digest-card';
import type { MonthlyDigest } from '../../../src/digest/monthly-digest';
import { cardText, executeActions } from './card-check';
import { LONG_NAME, LONG_TITLE, adminCtx } from './card-fixtures';
import { expectValidCard } from './expect-valid-card';

// Type-level: the service's digest is the card's input as it is.
export type DigestFitsCard = MonthlyDigest extends MonthlyDigestCardInput ? true : never;
const fits: DigestFitsCard = true;

function digest(overrides: Partial<MonthlyDigestCardInput> = {}): MonthlyDigestCardInput {
  return {
    month: '2025-02',
    totalMicros: 412_500_000,
    legs: 318,
    byKind: { tollFreeDialInMicros: 120_000_000, dialOutMicros: 250_000_000, ppmDialInMicros: 42_500_000 },
    previous: { month: '2025-01', totalMicros: 500_000_000, legs: 400 },
    changeMicros: -87_500_000,
    topMeetings: [
      { key: '583920174', title: LONG_TITLE, chargeMicros: 90_000_000, legs: 30, billedSeconds: 60_000 },
      { key: '771203948', title: null, chargeMicros: 40_000_000, legs: 12, billedSeconds: 20_000 },
      { key: '', title: null, chargeMicros: 5_000_000, legs: 3, billedSeconds: 900 },
    ],
    topOrganizers: [
      { key: 'aad-long', name: LONG_NAME, chargeMicros: 200_000_000, legs: 150, billedSeconds: 300_000 },
      { key: 'aad-ana', name: 'Ana Costa', chargeMicros: 100_000_000, legs: 80, billedSeconds: 100_000 },
      { key: '', name: '', chargeMicros: 10_000_000, legs: 5, billedSeconds: 3_000 },
    ],
    pool: { usedSeconds: 5_430, totalSeconds: 7_200 },
    topSaving: null,
    ...overrides,
  };
}

describe('monthly digest card', () => {
  it('type checks against the service (see DigestFitsCard)', () => expect(fits).toBe(true));

  it('a busy month with long names: valid, under 28 KB, every figure as text', () => {
    const card = buildMonthlyDigestCard(digest(), adminCtx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('February 2025\n$412.50\n318 calls charged in February 2025');
    expect(text).toContain('Down $87.50 (−18%) from January 2025 ($500.00).');
    expect(text).toContain(LONG_TITLE);
    expect(text).toContain('Meeting 771203948');
    expect(text).toContain('Calls outside a known meeting');
    expect(text).toContain(`${LONG_NAME}\n150 calls · 5,000 min\n$200.00`);
    expect(text).toContain('Unknown organizer');
    expect(text).toContain('90.5 of 120 min used (75%)');
    expect(text).not.toContain('ran out');
    expect(executeActions(card).map((a) => [a.verb, a.data])).toEqual([
      ['refresh.digest', { month: '2025-02' }],
      ['refresh.digest', { month: '2025-02' }],
    ]);
  });

  it('the same spend as the month before; no pool licenses; a top saving that looks like Markdown stays plain text', () => {
    const card = buildMonthlyDigestCard(
      digest({ changeMicros: 0, previous: { month: '2025-01', totalMicros: 412_500_000, legs: 300 }, pool: { usedSeconds: 0, totalSeconds: 0 }, topSaving: { text: 'Save **$9** [now](https://evil.example) ${x}' } }),
      adminCtx,
    );
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('The same as in January 2025.');
    expect(text).toContain('0 min used');
    expect(text).toContain('no pool licenses');
    expect(text).toContain('Top saving');
    expect(JSON.stringify(card)).toContain('"type":"TextRun","text":"Save **$9** [now](https://evil.example) $\u200b{x}"');
  });

  it("in the reader's locale and the tenant's currency", () => {
    const card = buildMonthlyDigestCard(digest({ changeMicros: 12_500_000, previous: { month: '2025-01', totalMicros: 400_000_000, legs: 300 } }), { ...adminCtx, locale: 'de-DE', currency: 'EUR' });
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Februar 2025');
    expect(text).toContain('412,50\u00a0€');
    expect(text).toContain('Up 12,50\u00a0€ (+3\u00a0%) from Januar 2025 (400,00\u00a0€).');
  });
});
