import { ROLLUP_KEPT_DAYS } from '../../src/fraud/fraud-guard';
import { addDays } from '../../src/fraud/recent-history';
import type { Store } from '../../src/store/database';
import { listIncidents } from '../../src/store/fraud-store';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { leg, NUMBERS, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';

/**
 * The guard's short-call counts per number range and day are kept ROLLUP_KEPT_DAYS days: the rules look back 28 days,
 * so older rows only grew the table. Intake prunes a tenant's older rows once a UTC day, in a chunk's transaction.
 * The organizers' day figures are columns of the spend rollup (0018), kept as long as it is; the countries called and
 * the incidents are kept.
 */
describeEachEngine('the guard keeps its short-call counts ROLLUP_KEPT_DAYS days', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let T = '';
  let tenants = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup());
  beforeEach(async () => {
    tenants += 1;
    T = `tenant-retention-${tenants}`;
    ({ tollgate, clock } = await setUpFraudTenant(store, {}, T));
  });

  const ingest = async (rows: Record<string, unknown>[]) => {
    const r = await tollgate.intake.ingest(T, rows);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.rejected).toEqual([]);
  };
  const today = () => clock.now().toISOString().slice(0, 10);
  /** Rows as the guard would have left them on `day` (written directly: what an older process kept). */
  const keptRows = async (tenantId: string, day: string) => {
    await store.db
      .insertInto('spend_daily_organizer')
      .values({ tenant_id: tenantId, organizer_id: USERS.sub, day, legs: 1, charge_micros: 0, billed_seconds: 60, dialout_seconds: 60, dialout_legs: 1, hour_seconds: '10:60', night_seconds: 0 })
      .execute();
    await store.db.insertInto('fraud_range_days').values({ tenant_id: tenantId, number_range: '442079460', day, short_calls: 1 }).execute();
  };
  const days = async (tenantId: string, table: 'spend_daily_organizer' | 'fraud_range_days') =>
    (await store.db.selectFrom(table).select('day').where('tenant_id', '=', tenantId).orderBy('day').execute()).map((r) => r.day);

  it('deletes the short-call rows older than the kept days at the first chunk of a UTC day, and only those, only of its tenant', async () => {
    const oldest = addDays(today(), -ROLLUP_KEPT_DAYS); // the first day kept
    const tooOld = addDays(oldest, -1);
    for (const day of [addDays(tooOld, -200), tooOld, oldest]) await keptRows(T, day);
    // Another tenant's old rows are its own chunk's business.
    const other = `${T}-other`;
    await setUpFraudTenant(store, {}, other);
    await keptRows(other, tooOld);

    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 30, start: '2026-11-15T10:00:00Z' })]);

    expect(await days(T, 'fraud_range_days')).toEqual([oldest, '2026-11-15']);
    expect(await days(other, 'fraud_range_days')).toEqual([tooOld]);
    // The organizers' days are the spend rollup's, which reports read for any period: all kept.
    expect(await days(T, 'spend_daily_organizer')).toEqual([addDays(tooOld, -200), tooOld, oldest, '2026-11-15']);
  });

  it('prunes once a day: rows that fall out later wait for the next UTC day', async () => {
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 30, start: '2026-11-15T10:00:00Z' })]);
    const tooOld = addDays(today(), -ROLLUP_KEPT_DAYS - 1);
    await keptRows(T, tooOld);
    clock.advance(3600_000);
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 30, start: '2026-11-15T11:00:00Z' })]);
    expect(await days(T, 'fraud_range_days')).toEqual([tooOld, '2026-11-15']);

    clock.set(new Date('2026-11-16T00:05:00Z'));
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 30, start: '2026-11-15T23:30:00Z' })]);
    expect(await days(T, 'fraud_range_days')).toEqual(['2026-11-15']);
  });

  it('keeps the countries called and the incidents, however old', async () => {
    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-15T09:00:00Z' })]);
    expect((await listIncidents(store.db, T, ['open'])).map((i) => i.pattern)).toEqual(['premium_rate']);
    clock.set(new Date(Date.parse('2026-11-15T12:00:00Z') + (ROLLUP_KEPT_DAYS + 30) * 86_400_000));
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 30, start: clock.now().toISOString() })]);
    // The November short calls are gone; what the guard knows of the tenant's past otherwise is not.
    expect(await days(T, 'fraud_range_days')).toEqual([today()]);
    expect(await days(T, 'spend_daily_organizer')).toEqual(['2026-11-15', today()]);
    expect((await listIncidents(store.db, T, ['open'])).map((i) => i.pattern)).toEqual(['premium_rate']);
    const countries = await store.db.selectFrom('fraud_countries').select('country').where('tenant_id', '=', T).orderBy('country').execute();
    expect(countries.map((c) => c.country)).toEqual(['GB']);
  });
});
