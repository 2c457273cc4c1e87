import type { Store } from '../../src/store/database';
import { spendBreakdown, spendBreakdowns, type DailySpendDimension } from '../../src/store/spend-rollup-store';
import { UsageReports } from '../../src/usage/usage-report';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { seededRandom } from '../support/seeded-random';

/**
 * spendBreakdowns reads several ranges in two statements; each range must get exactly what spendBreakdown gives it
 * alone (which test/usage/spend-rollup.test.ts holds to the legs), and the balance card's two figures exactly what
 * split and daysLeft give. Another tenant's legs on the same days must never count.
 */

const NOW = new Date('2026-11-20T15:30:12.345Z');
const OTHER = 'tenant-other';

function dataset(seed: number): Record<string, unknown>[] {
  const rand = seededRandom(seed);
  const pick = <V,>(items: readonly V[]) => items[Math.floor(rand() * items.length)]!;
  const kinds = [
    { callType: 'conf_out', number: NUMBERS.usLandline },
    { callType: 'conf_out', number: NUMBERS.deMobile },
    { callType: 'conf_out', number: NUMBERS.gbLandline },
    { callType: 'conf_in', number: NUMBERS.usLandline },
    { callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true },
    { callType: 'conf_in', number: NUMBERS.deLandline },
  ];
  const from = Date.parse('2026-10-10T00:00:00Z');
  const span = Date.parse('2026-11-22T00:00:00Z') - from;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 260; i++) {
    const start = new Date(from + Math.floor(rand() * span)).toISOString();
    const organizer = pick([USERS.sub, USERS.ppm, USERS.addon, USERS.subNoCredits]);
    const row = leg({ ...pick(kinds), organizer, conferenceId: `conf-${i % 70}`, seconds: 30 + Math.floor(rand() * 2400), start });
    rows.push(rand() < 0.1 ? { ...row, conferenceId: null } : row);
  }
  // Legs at the very instants the balance card cuts at: now, now + 1 ms, and 28 days before now.
  for (const at of [NOW.getTime(), NOW.getTime() + 1, NOW.getTime() - 28 * 86_400_000, NOW.getTime() - 1]) {
    rows.push(leg({ callType: 'conf_out', number: NUMBERS.deLandline, organizer: USERS.ppm, conferenceId: 'edge', seconds: 600, start: new Date(at).toISOString() }));
  }
  return rows;
}

describeEachEngine('spendBreakdowns', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let reports: UsageReports;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    const { tollgate } = await setUpTenant(store, { fund: '10000', poolLicenses: 1, now: NOW });
    const { tollgate: other } = await setUpTenant(store, { fund: '10000', now: NOW }, OTHER);
    for (const [t, tenant, seed] of [[tollgate, T, 11], [other, OTHER, 12]] as const) {
      const r = await t.intake.ingest(tenant, dataset(seed));
      if (!r.ok) throw new Error(r.message);
      expect(r.value.rejected).toEqual([]);
    }
    reports = new UsageReports(store);
  });
  afterAll(async () => cleanup());

  const dimensions: DailySpendDimension[] = ['kind', 'country', 'day', 'meeting'];

  it('gives each of several ranges exactly what spendBreakdown gives it alone', async () => {
    const rand = seededRandom(5);
    const start = Date.parse('2026-10-05T00:00:00Z');
    for (let i = 0; i < 30; i++) {
      const ranges = Array.from({ length: 1 + (i % 4) }, (_, j) => {
        const a = start + Math.floor(rand() * 50 * 86_400_000);
        const b = a + Math.floor(rand() * (j % 2 === 0 ? 2 : 35) * 86_400_000) - (i % 7 === 0 ? 86_400_000 : 0);
        // Some on a midnight, some empty or reversed, some not in the legs' own instant format.
        const round = (t: number) => (j % 3 === 0 ? t - (t % 86_400_000) : t);
        const text = (t: number) => (i % 5 === 4 && j === 0 ? new Date(t).toISOString().replace('.000Z', 'Z') : new Date(t).toISOString());
        return { from: text(round(a)), to: text(round(b)) };
      });
      const dims = dimensions.slice(i % 4).concat(dimensions.slice(0, i % 4)).slice(0, 1 + (i % 4));
      const together = await spendBreakdowns(store.db, T, ranges, dims);
      const alone = await Promise.all(ranges.map((r) => spendBreakdown(store.db, T, r.from, r.to, dims)));
      expect(together).toEqual(alone);
    }
  });

  it("gives the balance card's figures exactly as split and daysLeft do, at and around the instants it cuts at", async () => {
    let nonEmpty = 0;
    for (const now of [NOW, new Date(NOW.getTime() - 1), new Date('2026-11-01T00:00:00.000Z'), new Date('2026-11-03T23:59:59.999Z'), new Date('2026-11-21T00:00:00.000Z')]) {
      for (const balance of [0, -5, 123_456_789]) {
        const monthStart = `${now.toISOString().slice(0, 7)}-01T00:00:00.000Z`;
        const to = new Date(now.getTime() + 1).toISOString();
        const both = await reports.balanceSpend(T, monthStart, to, balance, now);
        expect(both).toEqual({ spend: await reports.split(T, monthStart, to), daysLeft: await reports.daysLeft(T, balance, now) });
        if (both.spend.totalMicros > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).toBeGreaterThan(5);
  });

  it("never counts another tenant's legs", async () => {
    const ranges = [{ from: '2026-10-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }, { from: '2026-11-02T13:00:00.000Z', to: '2026-11-20T15:30:12.346Z' }];
    const [mine, theirs] = [await spendBreakdowns(store.db, T, ranges, ['kind']), await spendBreakdowns(store.db, OTHER, ranges, ['kind'])];
    const total = (b: (typeof mine)[number]) => [...b.kind!.values()].reduce((s, g) => s + g.chargeMicros, 0);
    expect(mine.map(total)).toEqual(await Promise.all(ranges.map(async (r) => total(await spendBreakdown(store.db, T, r.from, r.to, ['kind'])))));
    expect(theirs.map(total)).toEqual(await Promise.all(ranges.map(async (r) => total(await spendBreakdown(store.db, OTHER, r.from, r.to, ['kind'])))));
    expect(mine.map(total)).not.toEqual(theirs.map(total));
  });
});
