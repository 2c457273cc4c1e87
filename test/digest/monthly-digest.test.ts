import { buildMonthlyDigestCard } from '../../src/bot/cards/monthly-digest-card';
import type { CardContext } from '../../src/bot/cards/card-context';
import { MonthlyDigests, previousMonth, type TopSavingFinder } from '../../src/digest/monthly-digest';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { UsageReports } from '../../src/usage/usage-report';
import { cardText } from '../bot/cards/card-check';
import { expectValidCard } from '../bot/cards/expect-valid-card';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { NOVEMBER_MICROS, OCTOBER_MICROS, monthSums, seedTwoMonths } from './digest-fixtures';

const NOW = new Date('2026-12-01T00:05:00Z');
const ctx: CardContext = { currency: 'USD', locale: 'en-US', isAdmin: true, now: NOW, refreshUserIds: ['29:admin'] };

describe('previousMonth', () => {
  it.each([
    ['2026-12', '2026-11'],
    ['2026-01', '2025-12'],
    ['2024-03', '2024-02'],
  ])('%s → %s', (month, expected) => expect(previousMonth(month)).toBe(expected));
});

describeEachEngine('monthly digest: figures', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  // The tests only read: one database for all of them.
  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 1 }));
    await setUpTenant(store, { fund: '100', poolLicenses: 1 }, 'tenant-b');
    await seedTwoMonths(store, tollgate);
    // Another tenant's November leg: never in tenant-a's digest.
    const other = await tollgate.intake.ingest('tenant-b', [leg({ id: 'b1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 6000, start: '2026-11-15T10:00:00Z' })]);
    if (!other.ok || other.value.accepted !== 1) throw new Error('tenant-b seed failed');
  });
  afterAll(async () => cleanup());

  const digests = (topSaving?: TopSavingFinder) => new MonthlyDigests(store, new UsageReports(store), topSaving);

  it("equals the month's legs and ledger charges, and the change from the month before", async () => {
    const nov = await monthSums(store, T, '2026-11');
    const oct = await monthSums(store, T, '2026-10');
    expect(nov).toEqual({ legsMicros: NOVEMBER_MICROS, ledgerMicros: NOVEMBER_MICROS, legs: 6 });
    expect(oct).toEqual({ legsMicros: OCTOBER_MICROS, ledgerMicros: OCTOBER_MICROS, legs: 3 });

    const d = await digests().digest(T, '2026-11', NOW);
    if (!d.ok) throw new Error(d.message);
    expect(d.value).toMatchObject({
      month: '2026-11',
      totalMicros: nov.legsMicros,
      legs: 6,
      byKind: { dialOutMicros: 570_000, tollFreeDialInMicros: 400_000, ppmDialInMicros: 200_000 },
      previous: { month: '2026-10', totalMicros: oct.legsMicros, legs: 3 },
      changeMicros: nov.legsMicros - oct.legsMicros,
      pool: { usedSeconds: 3600, totalSeconds: 3600 },
      topSaving: null,
    });
    expect(d.value.topMeetings.map((m) => [m.key, m.chargeMicros, m.title])).toEqual([
      ['conf-sub-nov', 670_000, 'Quarterly review'],
      ['conf-ppm-nov', 500_000, null],
    ]);
    expect(d.value.topOrganizers.map((o) => [o.name, o.chargeMicros, o.legs])).toEqual([
      ['Sub Scriber', 670_000, 4],
      ['Pay PerMinute', 500_000, 2],
    ]);

    const card = buildMonthlyDigestCard(d.value, ctx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('Monthly digest\nNovember 2026\n$1.17\n6 calls charged in November 2026');
    // 1.17 − 0.80 = 0.37, which is 46.25 % of 0.80.
    expect(text).toContain('Up $0.37 (+46%) from October 2026 ($0.80).');
    expect(text).toContain('Dial-out\n$0.57');
    expect(text).toContain('Dial-in (toll-free)\n$0.40');
    expect(text).toContain('Dial-in (toll, pay-per-minute)\n$0.20');
    expect(text).toContain('Quarterly review\n4 calls · 77 min\n$0.67');
    expect(text).toContain('Meeting conf-ppm-nov\n2 calls · 10 min\n$0.50');
    expect(text).toContain('Sub Scriber\n4 calls · 77 min\n$0.67');
    expect(text).toContain('60 of 60 min used (100%)');
    expect(text).toContain('The pool ran out');
    expect(text).not.toContain('Top saving');
    expect(card.refresh).toMatchObject({ action: { verb: 'refresh.digest', data: { month: '2026-11' } }, userIds: ['29:admin'] });
  });

  it('a month with no legs still makes a sensible card: nothing charged, down from the month before, the pool unused', async () => {
    const d = await digests().digest(T, '2026-12', NOW);
    if (!d.ok) throw new Error(d.message);
    expect(d.value).toMatchObject({ totalMicros: 0, legs: 0, changeMicros: -NOVEMBER_MICROS, pool: { usedSeconds: 0, totalSeconds: 3600 }, topMeetings: [], topOrganizers: [] });
    const card = buildMonthlyDigestCard(d.value, ctx);
    expectValidCard(card);
    const text = cardText(card);
    expect(text).toContain('$0.00\nNo dial-in or dial-out calls were charged in December 2026.');
    expect(text).toContain('Down $1.17 (−100%) from November 2026 ($1.17).');
    expect(text).toContain('0 of 60 min used (0%)');
    expect(text).not.toContain('By call kind');
    expect(text).not.toContain('Top organizers');

    const quiet = await digests().digest(T, '2026-08', NOW);
    if (!quiet.ok) throw new Error(quiet.message);
    expect(cardText(buildMonthlyDigestCard(quiet.value, ctx))).toContain('Nothing was charged in July 2026 either.');
    const first = await digests().digest(T, '2026-10', NOW);
    if (!first.ok) throw new Error(first.message);
    expect(cardText(buildMonthlyDigestCard(first.value, ctx))).toContain('Up $0.80 from nothing in September 2026.');
  });

  it("shows the advisor's top saving when the injected finder has one, and none by default", async () => {
    const asked: [string, string][] = [];
    const finder: TopSavingFinder = async (tenantId, now) => {
      asked.push([tenantId, now.toISOString()]);
      return { text: 'Moving Pay PerMinute to the Audio Conferencing subscription would save about $12.00 a month: type advisor to see it.' };
    };
    const d = await digests(finder).digest(T, '2026-11', NOW);
    if (!d.ok) throw new Error(d.message);
    expect(asked).toEqual([[T, NOW.toISOString()]]);
    const card = buildMonthlyDigestCard(d.value, ctx);
    expectValidCard(card);
    expect(cardText(card)).toContain('Top saving\nMoving Pay PerMinute to the Audio Conferencing subscription would save about $12.00 a month');
    const none = await digests(async () => undefined).digest(T, '2026-11', NOW);
    expect(none.ok && none.value.topSaving).toBeNull();
  });

  it('refuses an unknown tenant and a month that is not YYYY-MM', async () => {
    expect(await digests().digest('nobody', '2026-11', NOW)).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    expect(await digests().digest(T, '2026-13', NOW)).toMatchObject({ ok: false, reason: 'invalid_month' });
  });
});
