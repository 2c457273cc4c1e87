import { DigestScheduler, type DigestPass } from '../../src/digest/digest-scheduler';
import { monthlyDigestRenderer } from '../../src/digest/digest-notice';
import { MONTHLY_DIGEST_NOTICE, MonthlyDigests } from '../../src/digest/monthly-digest';
import { ADMIN_NOTICE_KIND } from '../../src/notify/admin-notices';
import { silentLogger } from '../../src/observability/logger';
import { openStore, type Store } from '../../src/store/database';
import { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { UsageReports } from '../../src/usage/usage-report';
import { cardText, createHarness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore, type TestDatabase } from '../support/engines';
import { ADMIN, T, USERS, setUpTenant } from '../support/fixtures';
import { seedTwoMonths } from './digest-fixtures';

/** TOLLGATE_ADMINS: a UPN, admin in every tenant (u-ppm here). */
const BOOTSTRAP = ['ppm@contoso.example'];
const ADMINS = [USERS.addon, USERS.ppm, USERS.sub].sort();
const EVERY_5_MINUTES = 5 * 60_000;

describeEachEngine('monthly digest scheduler', (engine) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;

  beforeEach(async () => {
    ({ store, database, cleanup } = await freshStore(engine));
    // The tenant is set up on 2026-11-15: it has a November, not an October.
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100', poolLicenses: 1 }));
    for (const u of [USERS.sub, USERS.addon]) {
      const r = await tollgate.directory.setAdmin(T, u, true, ADMIN);
      if (!r.ok) throw new Error(r.message);
    }
  });
  afterEach(async () => cleanup());

  const scheduler = (s: Store = store, c: FixedClock = clock) => new DigestScheduler(s, c, silentLogger, { bootstrapAdmins: BOOTSTRAP, intervalMs: EVERY_5_MINUTES });
  const digestRows = async (month?: string) =>
    (await store.db.selectFrom('outbox').selectAll().where('kind', '=', ADMIN_NOTICE_KIND).orderBy('dedupe_key').execute())
      .map((r) => ({ tenant: r.tenant_id, key: r.dedupe_key, payload: JSON.parse(r.payload) as { notice: string; key: string; adminId: string } }))
      .filter((r) => r.payload.notice === MONTHLY_DIGEST_NOTICE && (!month || r.payload.key === month));

  it('on the 1st queues one digest of last month per admin (marked admins and TOLLGATE_ADMINS)', async () => {
    clock.set(new Date('2026-12-01T00:03:00Z'));
    expect(await scheduler().runOnce()).toEqual({ month: '2026-11', tenants: 1, enqueued: 3 });
    expect(await digestRows()).toEqual(
      ADMINS.map((adminId) => ({ tenant: T, key: `monthly_digest:2026-11:${adminId}`, payload: { notice: 'monthly_digest', key: '2026-11', adminId } })),
    );
  });

  it('queues nothing more when ticking again, from a second scheduler on the same database, or from both at once', async () => {
    clock.set(new Date('2026-12-01T00:03:00Z'));
    const first = scheduler();
    expect((await first.runOnce()).enqueued).toBe(3);
    clock.advance(EVERY_5_MINUTES);
    expect((await first.runOnce()).enqueued).toBe(0);

    // Another replica: its own connections to the same database, its own clock.
    const replicaStore = await openStore(database.url, { maxConnections: 4 });
    try {
      const replicaClock = new FixedClock(new Date('2026-12-01T00:04:00Z'));
      const replica = scheduler(replicaStore, replicaClock);
      expect((await replica.runOnce()).enqueued).toBe(0);
      expect(await digestRows()).toHaveLength(3);

      // The next month's turn, both replicas ticking at the same moment: still one row per admin. On SQLite the
      // replicas take turns: better-sqlite3 waits for a lock synchronously, so two connections of one process would
      // block each other's event loop (real replicas are separate processes, and SQLite's lock serializes them).
      clock.set(new Date('2027-01-01T00:00:30Z'));
      replicaClock.set(new Date('2027-01-01T00:00:30Z'));
      const passes = [first, replica, first, replica];
      const both: DigestPass[] = [];
      if (engine === 'postgres') both.push(...(await Promise.all(passes.map((p) => p.runOnce()))));
      else for (const p of passes) both.push(await p.runOnce());
      expect(both.map((p) => p.month)).toEqual(['2026-12', '2026-12', '2026-12', '2026-12']);
      expect(both.reduce((n, p) => n + p.enqueued, 0)).toBe(3);
      expect((await digestRows('2026-12')).map((r) => r.payload.adminId)).toEqual(ADMINS);
      expect(await digestRows('2026-11')).toHaveLength(3);
    } finally {
      await replicaStore.close();
    }
  });

  it('before the turn there is nothing to send: the tenant did not exist in October', async () => {
    clock.set(new Date('2026-11-30T23:59:59Z'));
    expect(await scheduler().runOnce()).toEqual({ month: '2026-10', tenants: 0, enqueued: 0 });
    expect(await digestRows()).toEqual([]);
  });

  it('a server that was down on the 1st sends it when it is back within the month', async () => {
    clock.set(new Date('2026-12-17T13:00:00Z'));
    expect(await scheduler().runOnce()).toMatchObject({ month: '2026-11', enqueued: 3 });
  });

  it('an admin added later in the month gets theirs at the next pass; tenants without admins, or set up after the month, get none', async () => {
    await setUpTenant(store, {}, 'tenant-no-admins');
    clock.set(new Date('2026-12-01T00:03:00Z'));
    await setUpTenant(store, { now: new Date('2026-12-01T00:01:00Z') }, 'tenant-new');
    // Without TOLLGATE_ADMINS (an admin in every tenant), tenant-no-admins has nobody to send it to.
    const noBootstrap = new DigestScheduler(store, clock, silentLogger, { bootstrapAdmins: [], intervalMs: EVERY_5_MINUTES });
    expect(await noBootstrap.runOnce()).toEqual({ month: '2026-11', tenants: 2, enqueued: 2 });
    expect((await digestRows()).map((r) => r.tenant)).toEqual([T, T]);

    await tollgate.directory.setAdmin('tenant-no-admins', USERS.sub, true, ADMIN);
    clock.set(new Date('2026-12-09T10:00:00Z'));
    expect(await noBootstrap.runOnce()).toEqual({ month: '2026-11', tenants: 2, enqueued: 1 });
    expect((await digestRows()).map((r) => `${r.tenant}/${r.payload.adminId}`)).toContain(`tenant-no-admins/${USERS.sub}`);
  });

  it('runs in the background once started, and stops', async () => {
    clock.set(new Date('2026-12-01T00:03:00Z'));
    const s = scheduler();
    s.start();
    try {
      for (let i = 0; i < 200 && (await digestRows()).length < 3; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      await s.stop();
    }
    expect(await digestRows()).toHaveLength(3);
  });

  it("delivers the digest card to each admin's personal chat once, with the month's figures", async () => {
    await seedTwoMonths(store, tollgate);
    const h = createHarness(tollgate, {
      bootstrapAdmins: BOOTSTRAP,
      adminNoticeRenderers: { [MONTHLY_DIGEST_NOTICE]: monthlyDigestRenderer(new MonthlyDigests(store, new UsageReports(store))) },
    });
    const people: Person[] = [
      { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' },
      { aadObjectId: USERS.addon, teamsId: '29:addon', name: 'Add On' },
      { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' },
      { aadObjectId: USERS.subNoCredits, teamsId: '29:nocredits', name: 'No Credits' },
    ];
    // Each opens a personal chat with Tollgate (that is where proactive cards can go); only the first three are admins.
    for (const p of people) await h.say('help', p);

    clock.set(new Date('2026-12-01T00:03:00Z'));
    const s = scheduler();
    await s.runOnce();
    await h.worker.drain();
    await s.runOnce();
    await h.worker.drain();

    const sent = h.adapter.proactive;
    expect(sent.map((p) => p.reference.conversation?.id).sort()).toEqual(ADMINS.map((a) => `personal-${a}`).sort());
    for (const p of sent) {
      const text = cardText(p.activity.attachments?.[0]?.content);
      expect(text).toContain('Monthly digest\nNovember 2026\n$1.17');
      expect(text).toContain('Up $0.37 (+46%) from October 2026 ($0.80).');
    }
    const statuses = await store.db.selectFrom('outbox').select(['status', 'dedupe_key']).where('kind', '=', ADMIN_NOTICE_KIND).execute();
    expect(statuses.filter((r) => r.dedupe_key.startsWith(`${MONTHLY_DIGEST_NOTICE}:`)).map((r) => r.status)).toEqual(['done', 'done', 'done']);
  });
});
