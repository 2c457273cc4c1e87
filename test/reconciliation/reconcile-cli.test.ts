import { cli } from '../support/cli-runner';
import { openStore } from '../../src/store/database';
import { describeEachEngine, createTestDatabase, type TestDatabase } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';
import { MONTH_OF_LEGS } from './support';


describeEachEngine('tollgate reconcile', (engine) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    env = { DATABASE_URL: database.url };
    const store = await openStore(database.url);
    try {
      const { tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 });
      const r = await tollgate.intake.ingest(T, MONTH_OF_LEGS);
      if (!r.ok) throw new Error(r.message);
    } finally {
      await store.close();
    }
  });
  afterAll(async () => database.drop());

  it('--json: totals, counts, the meetings and each differing leg with both charges and its cause', async () => {
    const r = await cli(['reconcile', '--tenant', T, '--month', '2026-11', '--json'], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      tenantId: T,
      month: '2026-11',
      currency: 'USD',
      totals: { tollgateMicros: 2_080_000, microsoftMicros: 3_445_000, differenceMicros: 1_365_000 },
      legs: { rated: 14, compared: 13, matched: 8, differing: 5, unreconciled: 1 },
      causes: { rate_card: 1, pool_or_license: 2, rounding: 1, currency: 1 },
    });
    expect(report.meetings.map((m: { conferenceId: string; differenceMicros: number }) => [m.conferenceId, m.differenceMicros])).toEqual([
      ['conf-pool', 1_300_000],
      ['conf-rate', 100_000],
      ['conf-round', -59_000],
      ['conf-small', 24_000],
      ['conf-euro', 0],
    ]);
    expect(
      report.differingLegs.map((l: { id: string; tollgateMicros: number; microsoftMicros: number; cause: string }) => [l.id, l.tollgateMicros, l.microsoftMicros, l.cause]),
    ).toEqual([
      ['pool', 0, 1_500_000, 'pool_or_license'],
      ['license', 200_000, 0, 'pool_or_license'],
      ['rate', 600_000, 700_000, 'rate_card'],
      ['round', 120_000, 61_000, 'rounding'],
      ['euro', 600_000, 550_000, 'currency'],
    ]);
  });

  it('prints a table: totals, counts, causes, the meetings and the legs that differ', async () => {
    const r = await cli(['reconcile', '--tenant', T, '--month', '2026-11'], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    const out = r.out;
    expect(out).toContain('Reconciliation of November 2026 for tenant-a (USD)');
    expect(out).toMatch(/Tollgate charged +\$2\.08\n/);
    expect(out).toMatch(/Microsoft billed +\$3\.45\n/);
    expect(out).toMatch(/Difference +\+\$1\.37 \(Microsoft - Tollgate\)\n/);
    expect(out).toContain("Legs: 14 rated; 13 carry Microsoft's charge: 8 match, 5 differ by more than $0.01 (1 in another currency, not in the totals); 1 not yet reconciled (Tollgate charged $0.06).");
    expect(out).toContain('Causes: rate card differs 1, license or pool state differs 2, rounding 1, currency differs 1.');
    expect(out).toMatch(/conf-pool +\$0\.20 +\$1\.50 +\+\$1\.30 +2 of 2 +license or pool state differs\n/);
    expect(out).toMatch(/conf-small +\$0\.18 +\$0\.20 +\+\$0\.02 +0 of 3 +rounding\n/);
    expect(out).toMatch(/2026-11-11 09:00 +rate +conf-rate +dial-out DE 10 min +\$0\.60 +\$0\.70 +\+\$0\.10 +Rate card differs: Microsoft charged \$0\.07\/min for 10 min; Tollgate's rate card has \$0\.06\/min\.\n/);
    expect(out).toMatch(/euro +conf-euro +dial-out DE 10 min +\$0\.60 +0\.550000 EUR +n\/a +Currency differs/);
  });

  it('says when no leg of the month carries Microsoft\'s charge yet', async () => {
    const r = await cli(['reconcile', '--tenant', T, '--month', '2026-12'], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain("No leg of this month carries Microsoft's charge yet");
  });

  it.each([
    [['reconcile', '--tenant', T, '--month', '2026-13'], /--month must be a month like 2026-11, not "2026-13"/],
    [['reconcile', '--tenant', T, '--month', 'November'], /--month must be a month like 2026-11/],
    [['reconcile', '--tenant', T, '--month', '2026-1'], /--month must be a month like 2026-11/],
    [['reconcile', '--tenant', 'nobody', '--month', '2026-11'], /unknown tenant nobody/],
    [['reconcile', '--tenant', T], /--month/],
    [['reconcile', '--month', '2026-11'], /--tenant/],
  ])('bad input %j: exit 2 with one line saying what is wrong', async (args, message) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });
});
