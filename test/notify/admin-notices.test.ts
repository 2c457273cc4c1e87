import { capturingLogger } from '../support/capturing-logger';
import { enqueueAdminNotice, listAdminIds, type AdminNoticeRenderer } from '../../src/notify/admin-notices';
import type { Store } from '../../src/store/database';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { cardText, createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, T, USERS, setUpTenant } from '../support/fixtures';

const sub: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const addon: Person = { aadObjectId: USERS.addon, teamsId: '29:addon', name: 'Add On' };

describeEachEngine('admin notices (proactive cards to every admin)', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;
  const rendered: { tenantId: string; key: string; isAdmin: boolean }[] = [];
  /** What the outbox worker logged. */
  const { logger: workerLogger, lines: logged } = capturingLogger();
  const renderer: AdminNoticeRenderer = async (tenantId, key, ctx) => {
    rendered.push({ tenantId, key, isAdmin: ctx.isAdmin });
    return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `notice ${key} in ${ctx.currency}` }] };
  };

  beforeEach(async () => {
    rendered.length = 0;
    logged.length = 0;
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store));
    for (const u of [USERS.sub, USERS.addon]) {
      const r = await tollgate.directory.setAdmin(T, u, true, ADMIN);
      if (!r.ok) throw new Error(r.message);
    }
    h = createHarness(tollgate, { adminNoticeRenderers: { test_notice: renderer }, workerLogger });
  });
  afterEach(async () => cleanup());

  const enqueue = (key: string, adminIds: string[]) =>
    store.inTenantTransaction(T, (tx) => enqueueAdminNotice(tx, { tenantId: T, notice: 'test_notice', key, adminIds, at: tollgate.clock.now().toISOString() }));

  it('lists marked admins and TOLLGATE_ADMINS entries (ids as given, UPNs through the directory)', async () => {
    expect(await listAdminIds(store.db, T, [])).toEqual([USERS.addon, USERS.sub]);
    expect(await listAdminIds(store.db, T, ['ppm@contoso.example', 'aad-boot'])).toEqual(['aad-boot', USERS.addon, USERS.sub, USERS.ppm].sort());
    expect(await listAdminIds(store.db, 'tenant-other', [])).toEqual([]);
  });

  it('sends each admin one card, however often the notice is enqueued', async () => {
    await h.say('help', sub);
    await h.say('help', addon);
    const admins = await listAdminIds(store.db, T, []);
    expect(await enqueue('2026-10', admins)).toBe(2);
    expect(await enqueue('2026-10', admins)).toBe(0);
    await h.worker.drain();
    expect(await enqueue('2026-10', admins)).toBe(0);
    await h.worker.drain();

    expect(h.adapter.proactive).toHaveLength(2);
    const to = h.adapter.proactive.map((p) => p.reference.conversation?.id).sort();
    expect(to).toEqual([`personal-${USERS.addon}`, `personal-${USERS.sub}`]);
    for (const p of h.adapter.proactive) expect(cardText(p.activity.attachments?.[0]?.content)).toBe('notice 2026-10 in USD');
    expect(rendered.every((r) => r.tenantId === T && r.isAdmin)).toBe(true);

    // Another key is another notice.
    expect(await enqueue('2026-11', admins)).toBe(2);
  });

  it("one admin's failed delivery is retried without re-sending to the others", async () => {
    await h.say('help', sub);
    await h.say('help', addon);
    h.adapter.failNext = { count: 1, statusCode: 503 };
    await enqueue('k', [USERS.sub, USERS.addon]);
    await h.worker.runOnce();
    expect(h.adapter.proactive).toHaveLength(1);
    const retry = await store.db.selectFrom('outbox').select(['status', 'last_error']).where('status', '=', 'pending').execute();
    expect(retry).toHaveLength(1);
    expect(retry[0]!.last_error).toMatch(/503/);
    // Due again after the back-off.
    clock.advance(10 * 60_000);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(2);
    expect(new Set(h.adapter.proactive.map((p) => p.reference.conversation?.id)).size).toBe(2);
  });

  it('does not send to an admin without a chat, nor to someone who stopped being an admin; says why', async () => {
    await h.say('help', sub); // addon never opened a chat with Tollgate
    await enqueue('k', [USERS.sub, USERS.addon]);
    const demoted = await tollgate.directory.setAdmin(T, USERS.sub, false, ADMIN);
    expect(demoted.ok).toBe(true);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    const rows = await store.db.selectFrom('outbox').select(['status', 'last_error', 'dedupe_key']).orderBy('dedupe_key').execute();
    expect(rows.map((r) => r.status)).toEqual(['dead', 'dead']);
    expect(rows.find((r) => r.dedupe_key.endsWith(USERS.addon))!.last_error).toMatch(/no personal chat/);
    expect(rows.find((r) => r.dedupe_key.endsWith(USERS.sub))!.last_error).toMatch(/no longer an admin/);
    // Ordinary states of a tenant, not faults: logged with their reasons, but not as errors (pino: 30 info, 50 error).
    const given = logged.filter((l) => /not delivered|given up/.test(l.msg));
    expect(given.map((l) => [l.level, l.err?.replace(/^.*(no personal chat|no longer an admin).*$/, '$1')]).sort()).toEqual([
      [30, 'no longer an admin'],
      [30, 'no personal chat'],
    ]);
  });

  it('a notice nobody can render is dead with a reason, not retried forever', async () => {
    await h.say('help', sub);
    await store.inTenantTransaction(T, (tx) => enqueueAdminNotice(tx, { tenantId: T, notice: 'unknown_kind', key: 'x', adminIds: [USERS.sub], at: tollgate.clock.now().toISOString() }));
    await h.worker.drain();
    const row = await store.db.selectFrom('outbox').select(['status', 'last_error']).executeTakeFirstOrThrow();
    expect(row.status).toBe('dead');
    expect(row.last_error).toMatch(/no renderer/);
    // A fault of Tollgate's own is an error.
    expect(logged.filter((l) => l.level >= 50).map((l) => l.err)).toEqual([expect.stringMatching(/no renderer/)]);
  });
});
