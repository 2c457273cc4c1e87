import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import type { Store } from '../../src/store/database';

describeEachEngine('directory', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => cleanup());

  it('never removes the last admin', async () => {
    const { tollgate } = await setUpTenant(store);
    expect(await tollgate.directory.setAdmin(T, 'sub@contoso.example', true, ADMIN)).toMatchObject({ ok: true });
    expect(await tollgate.directory.setAdmin(T, USERS.ppm, true, ADMIN)).toMatchObject({ ok: true });
    expect(await tollgate.directory.setAdmin(T, USERS.ppm, false, ADMIN)).toMatchObject({ ok: true });
    expect(await tollgate.directory.setAdmin(T, USERS.sub, false, ADMIN)).toMatchObject({ ok: false, reason: 'last_admin' });
    const audit = await store.db.selectFrom('audit_log').select('action').where('tenant_id', '=', T).where('action', 'like', 'admins.%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['admins.add', 'admins.add', 'admins.remove']);
  });

  it("applies a user's own policy over the global one, and falls back when it is cleared", async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10' });
    await tollgate.directory.setGlobalPolicy(T, 'DialoutCPCDisabledPSTNInternational', ADMIN);
    await tollgate.directory.setUserPolicy(T, USERS.sub, 'DialoutCPCandPSTNInternational', ADMIN);
    await tollgate.intake.ingest(T, [
      leg({ id: 'own', organizer: USERS.sub, number: NUMBERS.aeLandline, seconds: 60 }),
      leg({ id: 'global', organizer: USERS.subNoCredits, number: NUMBERS.usLandline, seconds: 60 }),
    ]);
    await tollgate.directory.setUserPolicy(T, USERS.sub, null, ADMIN);
    await tollgate.intake.ingest(T, [leg({ id: 'fallback', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60 })]);
    const flags = Object.fromEntries((await tollgate.meetings.legs(T)).map((l) => [l.id, l.flags]));
    expect(flags['own']).toEqual([]);
    expect(flags['global']).toContain('dialout_blocked_by_policy');
    expect(flags['fallback']).toContain('dialout_blocked_by_policy');
  });

  it('keeps tenants apart: the same user id in two tenants is two users', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10' });
    await setUpTenant(store, { fund: '10' }, 'tenant-b');
    await tollgate.directory.setGlobalPolicy('tenant-b', 'DialoutCPCandPSTNDisabled', ADMIN);
    await tollgate.intake.ingest(T, [leg({ id: 'same-id', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 })]);
    await tollgate.intake.ingest('tenant-b', [leg({ id: 'same-id', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60 })]);
    const a = await tollgate.meetings.legs(T);
    const b = await tollgate.meetings.legs('tenant-b');
    expect(a.map((l) => [l.id, l.organizerId])).toEqual([['same-id', USERS.ppm]]);
    expect(b.map((l) => [l.id, l.organizerId, l.flags])).toEqual([['same-id', USERS.sub, ['dialout_blocked_by_policy']]]);
    const ba = await tollgate.ledger.balance(T);
    const bb = await tollgate.ledger.balance('tenant-b');
    expect(ba.ok && ba.value.balanceMicros).toBe(10_000_000 - 60_000);
    expect(bb.ok && bb.value.balanceMicros).toBe(10_000_000);
  });
});
