import { Advisor } from '../../src/advisor/advisor';
import type { Store } from '../../src/store/database';
import { systemClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { cli } from '../support/cli-runner';
import { describeEachEngine, freshStore, type TestDatabase } from '../support/engines';
import { NUMBERS, T as TENANT, USERS, leg, micros, setUpTenant } from '../support/fixtures';

/** The 10th of the month `back` months before the real current month: the CLI rates on the system clock. */
function monthsAgo(back: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 10, 9, 0, 0)).toISOString();
}

describeEachEngine('tollgate advise', (engine) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;
  let t: Tollgate;
  let env: NodeJS.ProcessEnv;
  let T: string;
  let n = 0;

  beforeAll(async () => {
    ({ store, database, cleanup } = await freshStore(engine));
    env = { DATABASE_URL: database.url };
  });
  afterAll(async () => cleanup());
  beforeEach(async () => {
    T = `${TENANT}-${++n}`;
    ({ tollgate: t } = await setUpTenant(store, { poolLicenses: 1, now: new Date() }, T));
    // The pay-per-minute user dials in to German toll numbers for 200 minutes ($8.00) in each of the last two months;
    // one month or two back stay inside the 3-month window even if the month turns while the test runs.
    await t.intake.ingest(T, [1, 2].map((back) => leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 12_000, start: monthsAgo(back) })));
  });

  it('sets the subscription price on the tenant group, and refuses bad amounts and unknown tenants', async () => {
    let r = await cli(['advise', '--tenant', T], env);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Tell Tollgate what one Audio Conferencing subscription license costs a month first (in USD)');
    expect(r.err).toContain(`tollgate tenant subscription-price <amount> --tenant ${T}`);
    r = await cli(['tenant', 'subscription-price', '2', '--tenant', T], env);
    expect([r.code, r.out]).toEqual([0, 'subscription price set to $2.00 a month per license\n']);
    r = await cli(['tenant', 'subscription-price', '2.50', '--tenant', T], env);
    expect(r.out).toBe('subscription price set to $2.50 a month per license (was $2.00)\n');
    expect((await cli(['tenant', 'subscription-price', '12,50', '--tenant', T], env)).code).toBe(2);
    expect((await cli(['tenant', 'subscription-price', '0', '--tenant', T], env)).err).toContain('must be more than zero');
    expect((await cli(['tenant', 'subscription-price', '2', '--tenant', 'nobody'], env)).code).toBe(2);
    expect(await new Advisor(store, systemClock).subscriptionPrice(T)).toBe(micros('2.50'));
  });

  it('prints the totals, the switches in order and every organizer', async () => {
    await cli(['tenant', 'subscription-price', '2', '--tenant', T], env);
    const r = await cli(['advise', '--tenant', T], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // Today: $16.00 of dial-in plus three $2.00 subscriptions for 3 months = $34.00, $11.33 a month. The pay-per-minute
    // user moves to subscription ($10.00 saved over 3 months: $6.00 of fees for $16.00 of calls); then the three idle
    // subscriptions go, $6.00 each; the purchased licenses (the pool) go 1 -> 2 -> 1 -> 0 -> 0.
    expect(r.out).toContain(`License advisor for ${T}: calls of `);
    expect(r.out).toContain('(3 months, 2 calls)');
    expect(r.out).toContain('Subscription: $2.00 a month per license; 1 purchased (60 dial-out pool minutes a month).');
    expect(r.out).toMatch(/Today\s+\$11\.33 a month\s+\(credits \$16\.00 \+ subscriptions \$18\.00 over 3 months\)/);
    expect(r.out).toMatch(/Cheapest found\s+\$2\.00 a month\s+\(credits \$0\.00 \+ subscriptions \$6\.00; 0 licenses\)/);
    expect(r.out).toMatch(/Saving\s+\$9\.33 a month\s+\(\$28\.00 over 3 months\)/);
    expect(r.out).toContain('1. Pay PerMinute (ppm@contoso.example): pay-per-minute -> subscription, saves $3.33 a month; pool licenses 1 -> 2');
    expect(r.out).toContain('2. Add On (addon@contoso.example): subscription -> pay-per-minute, saves $2.00 a month; pool licenses 2 -> 1');
    expect(r.out).toContain('3. Sub Scriber (sub@contoso.example): subscription -> pay-per-minute, saves $2.00 a month; pool licenses 1 -> 0');
    expect(r.out).toContain('4. No Credits (nocredits@contoso.example): subscription -> pay-per-minute, saves $2.00 a month; pool licenses 0 -> 0');
    expect(r.out).not.toContain('5. ');
    expect(r.out).toMatch(/ppm@contoso\.example\s+pay-per-minute\s+2\s+133\.3\s+\$5\.33\s+subscription \$2\.00\s+-\$3\.33\s+50 min/);
    expect(r.out).toMatch(/sub@contoso\.example\s+subscription\s+0\s+0\s+\$2\.00\s+pay-per-minute \$0\.00\s+-\$2\.00\s+100 min/);
    // No calls and no license: not an organizer to weigh.
    expect(r.out).not.toContain('none@contoso.example');
    expect(r.out).toContain('Note: 3 users hold an Audio Conferencing subscription but the tenant counts 1 purchased licenses');
  });

  it('--json gives the advisor its own figures, and bad input exits 2', async () => {
    await cli(['tenant', 'subscription-price', '2', '--tenant', T], env);
    const r = await cli(['advise', '--tenant', T, '--months', '2', '--json'], env);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    const direct = await new Advisor(store, systemClock).advise(T, { months: 2 });
    expect(direct.ok && json).toEqual(direct.ok && JSON.parse(JSON.stringify(direct.value)));
    expect(json.months).toHaveLength(2);
    expect(json.switches[0]).toMatchObject({ userId: USERS.ppm, from: 'ppm', to: 'subscription', savingMicros: micros('12') });
    for (const months of ['0', '13', 'three']) {
      const bad = await cli(['advise', '--tenant', T, '--months', months], env);
      expect([months, bad.code]).toEqual([months, 2]);
      expect(bad.err).toContain('--months');
    }
    const unknown = await cli(['advise', '--tenant', 'nobody'], env);
    expect([unknown.code, unknown.err]).toEqual([2, 'tollgate: unknown tenant nobody: create it with tollgate tenant init\n']);
  });
});
