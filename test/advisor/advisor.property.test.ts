import fc from 'fast-check';
import { Advisor } from '../../src/advisor/advisor';
import { creditsOnSwitch } from '../../src/advisor/what-if';
import { silentLogger } from '../../src/observability/logger';
import { storeRateCardCsv } from '../../src/rates/rate-card-store';
import type { Store } from '../../src/store/database';
import { FixedClock } from '../../src/time/clock';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, TEST_RATES_CSV, leg } from '../support/fixtures';

/**
 * The advisor's promise: apply its switches (through Directory.setLicense, as the bot does) and rate the same legs
 * again (through intake, in the same batches), and the tenant's charges and license fees are exactly what it said.
 * Also: today's assignment re-rated is exactly what intake charged.
 */

const LICENSES = ['MCOMEETADV;MCOPSTNPP', 'MCOMEETADV', 'MCOMEETACPEA', 'MCOMEETACPEA;MCOPSTNPP', 'SPE_E5', '', 'MCOMEETADV;MCOPSTNPP;MCOEXTDIALOUT_USCA'];
const OUT_NUMBERS = [NUMBERS.usLandline, NUMBERS.caLandline, NUMBERS.deLandline, NUMBERS.deMobile, NUMBERS.gbLandline, NUMBERS.frLandline, NUMBERS.aeLandline];
const IN_NUMBERS = [NUMBERS.usLandline, NUMBERS.deLandline];
// Three months in the window (now is 2026-11-20) and one on each side of it, which must not count.
const MONTHS = ['2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];
const NOW = new Date('2026-11-20T08:00:00Z');

const userArb = fc.record({ licenses: fc.constantFrom(...LICENSES), location: fc.constantFrom('US', 'DE') });
const legArb = (users: number) =>
  fc.record({
    organizer: fc.integer({ min: 0, max: users }), // `users` = an organizer Tollgate does not know
    out: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
    outNumber: fc.constantFrom(...OUT_NUMBERS),
    inNumber: fc.constantFrom(...IN_NUMBERS),
    tollFree: fc.boolean(),
    seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5400 })),
    // Mostly one month, so its pool runs out part-way and the order legs draw on it matters.
    month: fc.oneof({ arbitrary: fc.constant('2026-10'), weight: 4 }, { arbitrary: fc.constantFrom(...MONTHS), weight: 2 }),
    day: fc.integer({ min: 1, max: 28 }),
    minute: fc.integer({ min: 0, max: 1439 }),
  });
const scenarioArb = fc
  .array(userArb, { minLength: 1, maxLength: 6 })
  .chain((users) =>
    fc.record({
      users: fc.constant(users),
      poolLicenses: fc.integer({ min: 0, max: 4 }),
      priceCents: fc.integer({ min: 1, max: 1200 }),
      legs: fc.array(legArb(users.length), { maxLength: 40 }),
      batches: fc.integer({ min: 1, max: 4 }),
    }),
  );

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function usersCsv(s: Scenario): string {
  const lines = s.users.map((u, i) => `u${i},u${i}@contoso.example,User ${i},${u.location},${u.licenses},,true`);
  return `aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn\n${lines.join('\n')}\n`;
}

function graphRows(s: Scenario, run: number): Record<string, unknown>[] {
  return s.legs.map((l, i) => {
    const start = new Date(Date.parse(`${l.month}-${String(l.day).padStart(2, '0')}T00:00:00Z`) + l.minute * 60_000).toISOString();
    return leg({
      id: `r${run}-leg-${i}`,
      callType: l.out ? 'conf_out' : 'conf_in',
      number: l.out ? l.outNumber : l.tollFree ? NUMBERS.usTollFree : l.inNumber,
      tollFree: !l.out && l.tollFree,
      organizer: l.organizer < s.users.length ? `u${l.organizer}` : 'ghost',
      seconds: l.seconds,
      start,
      conferenceId: `conf-${i % 5}`,
    });
  });
}

async function tenant(t: Tollgate, store: Store, id: string, s: Scenario): Promise<void> {
  const init = await t.directory.initTenant({ tenantId: id, country: 'US', currency: 'USD', poolLicenses: s.poolLicenses }, ADMIN);
  if (!init.ok) throw new Error(init.message);
  const rates = await store.inTransaction((tx) => storeRateCardCsv(tx, TEST_RATES_CSV, { tenant_id: id, currency: 'USD' }));
  if (!rates.ok) throw new Error(rates.message);
  const users = await t.directory.importUsersCsv(id, usersCsv(s), ADMIN);
  if (!users.ok) throw new Error(users.message);
}

/** The batches the rows arrive in: the same split for both tenants, so legs are settled in the same order. */
async function ingest(t: Tollgate, id: string, rows: Record<string, unknown>[], batches: number): Promise<void> {
  const size = Math.max(1, Math.ceil(rows.length / batches));
  for (let i = 0; i < rows.length; i += size) {
    const r = await t.intake.ingest(id, rows.slice(i, i + size));
    if (!r.ok) throw new Error(r.message);
  }
}

async function chargedInWindow(store: Store, id: string): Promise<number> {
  const rows = await store.db.selectFrom('legs').select('charge_micros').where('tenant_id', '=', id).where('start_at', '>=', '2026-08-01T00:00:00.000Z').where('start_at', '<', '2026-11-01T00:00:00.000Z').execute();
  return rows.reduce((sum, r) => sum + Number(r.charge_micros), 0);
}

/** Users who pay the subscription's fee: MCOMEETADV holders outside an E5 suite. */
async function standAloneSubscribers(store: Store, id: string): Promise<number> {
  const users = await store.db.selectFrom('users').select('licenses').where('tenant_id', '=', id).execute();
  return users.filter((u) => u.licenses.split(';').includes('MCOMEETADV') && !u.licenses.split(';').includes('SPE_E5')).length;
}

describeEachEngine('license advisor: applying its switches costs exactly what it said', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let t: Tollgate;
  let advisor: Advisor;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    const clock = new FixedClock(NOW);
    t = createTollgate(store, clock, silentLogger, { chunkSize: 7 });
    advisor = new Advisor(store, clock);
  });
  afterAll(async () => cleanup());

  it('re-rates today exactly as intake charged, and the switched tenant exactly as advised', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        run += 1;
        const before = `adv-${run}-before`;
        const after = `adv-${run}-after`;
        const rows = graphRows(s, run);

        await tenant(t, store, before, s);
        await ingest(t, before, rows, s.batches);
        const price = await advisor.setSubscriptionPrice(before, s.priceCents * 10_000, ADMIN);
        expect(price.ok).toBe(true);
        const advice = await advisor.advise(before, { now: NOW });
        if (!advice.ok) throw new Error(advice.message);
        const a = advice.value;

        // Today, re-rated: what intake charged, to the micro.
        const charged = await chargedInWindow(store, before);
        expect(a.current.creditsMicros).toBe(charged);
        expect(a.chargedMicros).toBe(charged);
        expect(a.current.feesMicros).toBe(s.priceCents * 10_000 * (await standAloneSubscribers(store, before)) * 3);
        expect(a.savingMicros).toBe(a.current.totalMicros - a.best.totalMicros);
        expect(a.switches.reduce((sum, x) => sum + x.savingMicros, 0)).toBe(a.savingMicros);
        for (const x of a.switches) expect(x.savingMicros).toBeGreaterThan(0);

        // The same tenant with the switches applied the way the bot applies them, then the same legs again.
        await tenant(t, store, after, s);
        for (const x of a.switches) {
          const r = await t.directory.setLicense(after, x.userId, x.to, creditsOnSwitch(x.to), ADMIN, { adjustPoolLicenses: true });
          expect(r.ok).toBe(true);
        }
        await ingest(t, after, rows, s.batches);
        const pool = (await store.db.selectFrom('tenants').select('pool_licenses').where('tenant_id', '=', after).executeTakeFirstOrThrow()).pool_licenses;
        expect(pool).toBe(a.best.poolLicenses);
        expect(await chargedInWindow(store, after)).toBe(a.best.creditsMicros);
        expect(s.priceCents * 10_000 * (await standAloneSubscribers(store, after)) * 3).toBe(a.best.feesMicros);
      }),
      { numRuns: engine === 'sqlite' ? 50 : 15 },
    );
  });
});
