import { Advisor } from '../../src/advisor/advisor';
import { buildMonthlyDigestCard } from '../../src/bot/cards/monthly-digest-card';
import { MonthlyDigests } from '../../src/digest/monthly-digest';
import { UsageReports } from '../../src/usage/usage-report';
import { cardText } from '../bot/cards/card-check';
import { listAudit } from '../../src/store/audit-store';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T as TENANT, USERS, leg, micros, setUpTenant } from '../support/fixtures';

const NOW = new Date('2026-11-15T12:00:00Z'); // the window is August to October 2026

describeEachEngine('license advisor over the store', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let t: Tollgate;
  let advisor: Advisor;
  // One database per engine, a fresh tenant per test.
  let T: string;
  let n = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup());
  beforeEach(async () => {
    T = `${TENANT}-${++n}`;
    ({ tollgate: t } = await setUpTenant(store, { poolLicenses: 1, now: NOW }, T));
    advisor = new Advisor(store, t.clock);
  });

  it('needs the subscription price first, and says how to set it', async () => {
    const r = await advisor.advise(T);
    expect(r).toMatchObject({ ok: false, reason: 'subscription_price_not_set' });
    expect(!r.ok && r.message).toContain(`tollgate tenant subscription-price <amount> --tenant ${T}`);
    expect(!r.ok && r.message).toContain('advisor price <amount>');
    expect(await advisor.topSaving(T, NOW)).toBeUndefined();
  });

  it('sets the price per license, audited, and refuses nonsense', async () => {
    expect(await advisor.setSubscriptionPrice(T, 0, ADMIN)).toMatchObject({ ok: false, reason: 'invalid_price' });
    expect(await advisor.setSubscriptionPrice('nobody', micros('8'), ADMIN)).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    expect(await advisor.setSubscriptionPrice(T, micros('8'), ADMIN)).toEqual({ ok: true, value: { before: null, after: micros('8'), currency: 'USD' } });
    expect(await advisor.setSubscriptionPrice(T, micros('7.5'), 'someone')).toMatchObject({ ok: true, value: { before: micros('8'), after: micros('7.5') } });
    expect(await advisor.subscriptionPrice(T)).toBe(micros('7.5'));
    const entries = (await listAudit(store.db, T)).filter((e) => e.action === 'advisor.price.set');
    expect(entries.map((e) => [e.actor, JSON.parse(e.detail)])).toEqual(
      expect.arrayContaining([
        [ADMIN, { micros: micros('8'), before: null }],
        ['someone', { micros: micros('7.5'), before: micros('8') }],
      ]),
    );
    expect(await advisor.advise(T, { months: 13 })).toMatchObject({ ok: false, reason: 'invalid_months' });
    expect(await advisor.advise('nobody')).toMatchObject({ ok: false, reason: 'unknown_tenant' });
  });

  it('re-rates the whole months before now: not the month in progress, not older ones, not ignored records', async () => {
    await advisor.setSubscriptionPrice(T, micros('2'), ADMIN);
    await t.intake.ingest(T, [
      leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 600, start: '2026-10-31T23:50:00Z' }), // 10 min × $0.04
      leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 600, start: '2026-08-01T00:00:00Z' }), // 10 min × $0.04
      leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 600, start: '2026-11-01T00:00:00Z' }), // this month
      leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 600, start: '2026-07-31T23:59:59Z' }), // too old
      leg({ organizer: USERS.ppm, callType: 'user_out', number: NUMBERS.deLandline, seconds: 600, start: '2026-09-10T10:00:00Z' }), // not a meeting leg
    ]);
    const r = await advisor.advise(T, { now: NOW });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.months).toEqual(['2026-08', '2026-09', '2026-10']);
    expect(r.value.legs).toBe(2);
    expect(r.value.current.creditsMicros).toBe(micros('0.80'));
    expect(r.value.chargedMicros).toBe(micros('0.80'));
    const ppm = r.value.organizers.find((o) => o.userId === USERS.ppm)!;
    expect(ppm).toMatchObject({ plan: 'ppm', alternative: 'subscription', legs: 2, currentMicros: micros('0.80'), alternativeMicros: micros('6') });
    const oneMonth = await advisor.advise(T, { now: NOW, months: 1 });
    expect(oneMonth.ok && [oneMonth.value.months, oneMonth.value.legs]).toEqual([['2026-10'], 1]);
  });

  it('replays the pool in the order intake settled the legs, across batches, not by start time', async () => {
    // One pool license (60 min). The Germany call of Oct 20 arrives first and takes the whole pool; the US call of
    // Oct 5 arrives in a later batch and is charged: 60 min × $0.03 = $1.80. By start time it would be $3.60.
    await advisor.setSubscriptionPrice(T, micros('100'), ADMIN);
    await t.intake.ingest(T, [leg({ organizer: USERS.sub, number: NUMBERS.deLandline, seconds: 3600, start: '2026-10-20T10:00:00Z' })]);
    await t.intake.ingest(T, [leg({ organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 3600, start: '2026-10-05T10:00:00Z' })]);
    const r = await advisor.advise(T, { now: NOW });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.chargedMicros).toBe(micros('1.80'));
    expect(r.value.current.creditsMicros).toBe(micros('1.80'));
    expect(r.value.warnings.join(' ')).not.toContain('cost a different amount');
  });

  it("warns when today's rating differs from what was charged (licenses changed since)", async () => {
    await advisor.setSubscriptionPrice(T, micros('2'), ADMIN);
    await t.intake.ingest(T, [leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 600, start: '2026-10-10T10:00:00Z' })]);
    await t.directory.setLicense(T, USERS.ppm, 'subscription', true, ADMIN);
    const r = await advisor.advise(T, { now: NOW });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.chargedMicros).toBe(micros('0.40'));
    expect(r.value.current.creditsMicros).toBe(0);
    expect(r.value.warnings.join(' ')).toContain("Re-rated with today's rate card and licenses");
  });

  it('names the top saving for the digest, and nothing when there is none', async () => {
    // The test tenant's three idle subscription users each save their $2.00 by going pay-per-minute; the German
    // pay-per-minute user's 300 minutes of toll dial-in ($12.00 a month) are cheaper on a subscription, and save the most.
    await advisor.setSubscriptionPrice(T, micros('2'), ADMIN);
    await t.intake.ingest(T, ['2026-08-10', '2026-09-10', '2026-10-10'].map((day) => leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 18_000, start: `${day}T10:00:00Z` })));
    const top = await advisor.topSaving(T, NOW);
    expect(top).toMatchObject({ userId: USERS.ppm, to: 'subscription', from: 'ppm', savingPerMonthMicros: micros('10'), totalSavingPerMonthMicros: micros('16'), switches: 4, currency: 'USD' });
    expect(top!.text).toBe('Moving Pay PerMinute to the Audio Conferencing subscription would save about $10.00 a month (4 switches together: about $16.00 a month): type advisor to see it.');
    // Once everyone has the cheaper license, there is nothing to name.
    for (const user of [USERS.sub, USERS.subNoCredits, USERS.addon]) await t.directory.setLicense(T, user, 'ppm', undefined, ADMIN);
    await t.directory.setLicense(T, USERS.ppm, 'subscription', true, ADMIN);
    expect(await advisor.topSaving(T, NOW)).toBeUndefined();
    await advisor.setSubscriptionPrice('nobody', 1, ADMIN);
    expect(await advisor.topSaving('nobody', NOW)).toBeUndefined();
  });

  it("the monthly digest names the advisor's top saving", async () => {
    await advisor.setSubscriptionPrice(T, micros('2'), ADMIN);
    await t.intake.ingest(T, ['2026-08-10', '2026-09-10', '2026-10-10'].map((day) => leg({ organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 18_000, start: `${day}T10:00:00Z` })));
    const digests = new MonthlyDigests(store, new UsageReports(store), (tenantId, now) => advisor.topSaving(tenantId, now));
    const d = await digests.digest(T, '2026-10', NOW);
    if (!d.ok) throw new Error(d.message);
    expect(d.value.topSaving?.text).toMatch(/^Moving Pay PerMinute to the Audio Conferencing subscription would save about \$10\.00 a month/);
    const text = cardText(buildMonthlyDigestCard(d.value, { currency: 'USD', locale: 'en-US', isAdmin: true, now: NOW }));
    expect(text).toContain(d.value.topSaving!.text);
    // No saving to name: no line.
    await t.directory.setLicense(T, USERS.ppm, 'subscription', true, ADMIN);
    for (const user of [USERS.sub, USERS.subNoCredits, USERS.addon]) await t.directory.setLicense(T, user, 'ppm', undefined, ADMIN);
    const none = await digests.digest(T, '2026-10', NOW);
    expect(none.ok && none.value.topSaving).toBeNull();
  });

  it('switching through setLicense moves the purchased pool licenses with the plan, in the same audited change', async () => {
    const off = await t.directory.setLicense(T, USERS.sub, 'ppm', undefined, ADMIN, { adjustPoolLicenses: true, via: 'advisor' });
    expect(off).toMatchObject({ ok: true, value: { poolLicenses: { before: 1, after: 0 } } });
    // Again: the plan did not change, nor does the pool.
    expect(await t.directory.setLicense(T, USERS.sub, 'ppm', undefined, ADMIN, { adjustPoolLicenses: true })).toMatchObject({ ok: true, value: { poolLicenses: { before: 0, after: 0 } } });
    // Never below 0.
    expect(await t.directory.setLicense(T, USERS.subNoCredits, 'ppm', undefined, ADMIN, { adjustPoolLicenses: true })).toMatchObject({ value: { poolLicenses: { before: 0, after: 0 } } });
    const on = await t.directory.setLicense(T, USERS.ppm, 'subscription', true, ADMIN, { adjustPoolLicenses: true });
    expect(on).toMatchObject({ ok: true, value: { after: ['MCOMEETADV', 'MCOPSTNPP'], poolLicenses: { before: 0, after: 1 } } });
    expect((await t.directory.tenant(T))!.pool_licenses).toBe(1);
    // Without the option, setLicense leaves the pool alone, as before.
    expect(await t.directory.setLicense(T, USERS.ppm, 'ppm', undefined, ADMIN)).not.toHaveProperty('value.poolLicenses');
    expect((await t.directory.tenant(T))!.pool_licenses).toBe(1);
    const audit = (await listAudit(store.db, T, 100)).map((e) => ({ action: e.action, detail: JSON.parse(e.detail) }));
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'license.set', detail: expect.objectContaining({ user: USERS.sub, poolLicenses: { before: 1, after: 0 }, via: 'advisor' }) },
        { action: 'pool-licenses.set', detail: { licenses: 0, before: 1, because: 'license.set', user: USERS.sub } },
        { action: 'pool-licenses.set', detail: { licenses: 1, before: 0, because: 'license.set', user: USERS.ppm } },
      ]),
    );
    expect(audit.filter((e) => e.action === 'pool-licenses.set')).toHaveLength(2);
  });
});
