import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, micros, setUpTenant } from '../support/fixtures';
import type { Store } from '../../src/store/database';

describeEachEngine('ledger', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => cleanup());

  async function expectInvariant(tollgate: { ledger: { checkInvariant(t: string): Promise<unknown> } }) {
    const report = (await tollgate.ledger.checkInvariant(T)) as { ok: boolean; cachedBalanceMicros: number; sumOfEntriesMicros: number };
    expect(report.ok).toBe(true);
    expect(report.cachedBalanceMicros).toBe(report.sumOfEntriesMicros);
  }

  it('records a purchase as an entry, a funding lot and an audit row', async () => {
    const { tollgate } = await setUpTenant(store);
    const r = await tollgate.ledger.fund(T, micros('200'), ADMIN, 'PO 42');
    expect(r.ok).toBe(true);
    const balance = await tollgate.ledger.balance(T);
    expect(balance.ok && balance.value.balanceMicros).toBe(200_000_000);
    expect(balance.ok && balance.value.nextExpiry).toEqual({ at: '2027-11-15T12:00:00.000Z', amountMicros: 200_000_000 });
    const statement = await tollgate.ledger.statement(T);
    expect(statement).toHaveLength(1);
    expect(statement[0]).toMatchObject({ kind: 'funding', amount_micros: 200_000_000, balance_after_micros: 200_000_000, memo: 'PO 42', actor: ADMIN });
    const audit = await store.db.selectFrom('audit_log').selectAll().where('tenant_id', '=', T).where('action', '=', 'credits.add').execute();
    expect(audit).toHaveLength(1);
    await expectInvariant(tollgate);
  });

  it('refuses a zero amount and an unknown tenant without writing anything', async () => {
    const { tollgate } = await setUpTenant(store);
    expect(await tollgate.ledger.fund(T, 0, ADMIN)).toMatchObject({ ok: false, reason: 'invalid_amount' });
    expect(await tollgate.ledger.fund('nobody', 1_000_000, ADMIN)).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    expect(await tollgate.ledger.statement(T)).toHaveLength(0);
  });

  it('charges a settled leg once, and a prepaid balance may go below zero after the fact', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '0.10' });
    // pay-per-minute organizer, German landline at 0.06/min, 61 s -> 2 minutes -> 0.12
    const r = await tollgate.intake.ingest(T, [leg({ id: 'l1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 61 })]);
    expect(r.ok && r.value).toMatchObject({ accepted: 1, charged: 120_000, chargedLegs: 1 });
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(100_000 - 120_000);
    const entries = await tollgate.ledger.statement(T);
    expect(entries.map((e) => [e.kind, e.amount_micros, e.leg_id])).toEqual([
      ['funding', 100_000, null],
      ['charge', -120_000, 'l1'],
    ]);
    await expectInvariant(tollgate);
  });

  it('fires auto-recharge exactly once per crossing of the trigger, inside the debit', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10', autoRecharge: { trigger: '5', amount: '20' } });
    const charge = (id: string, minutes: number) =>
      tollgate.intake.ingest(T, [leg({ id, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: minutes * 60 })]);
    // 10 - 0.06*50 = 7: above the trigger, no recharge
    expect((await charge('a', 50)).ok).toBe(true);
    // 7 - 0.06*40 = 4.6: crosses 5 -> one recharge of 20 -> 24.6
    const crossing = await charge('b', 40);
    expect(crossing.ok && crossing.value.autoRecharges).toBe(1);
    // 24.6 - 0.06*10 = 24: above the trigger again, no recharge
    const after = await charge('c', 10);
    expect(after.ok && after.value.autoRecharges).toBe(0);
    const entries = await tollgate.ledger.statement(T);
    expect(entries.map((e) => e.kind)).toEqual(['funding', 'charge', 'charge', 'auto_recharge', 'charge']);
    expect(entries[3]).toMatchObject({ amount_micros: 20_000_000, balance_after_micros: 24_600_000 });
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(24_000_000);
    await expectInvariant(tollgate);
  });

  it('does not auto-recharge when already below the trigger, nor when post-paid', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '1', autoRecharge: { trigger: '5', amount: '20' } });
    const r = await tollgate.intake.ingest(T, [leg({ organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 })]);
    expect(r.ok && r.value.autoRecharges).toBe(0);

    const mode = await tollgate.ledger.setBillingMode(T, 'postpaid', ADMIN);
    expect(mode.ok).toBe(true);
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.autoRecharge.enabled).toBe(false);
    expect(await tollgate.ledger.setAutoRecharge(T, micros('5'), micros('20'), ADMIN)).toMatchObject({ ok: false, reason: 'postpaid_no_auto_recharge' });
  });

  it('expires what is left of each lot 12 months after purchase, oldest lot spent first', async () => {
    const { tollgate, clock } = await setUpTenant(store, { now: new Date('2025-01-10T00:00:00Z') });
    await tollgate.ledger.fund(T, micros('100'), ADMIN); // lot 1, expires 2026-01-10
    clock.set(new Date('2025-07-10T00:00:00Z'));
    await tollgate.ledger.fund(T, micros('50'), ADMIN); // lot 2, expires 2026-07-10
    clock.set(new Date('2025-08-01T00:00:00Z'));
    // spend 120: all of lot 1 and 20 of lot 2 (FIFO)
    await tollgate.intake.ingest(T, [leg({ organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 2000 * 60, start: '2025-08-01T00:00:00Z' })]);
    let b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(30_000_000);
    expect(b.ok && b.value.nextExpiry).toEqual({ at: '2026-07-10T00:00:00.000Z', amountMicros: 30_000_000 });

    clock.set(new Date('2026-01-11T00:00:00Z')); // lot 1 is due, but nothing of it is left
    b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(30_000_000);
    expect((await tollgate.ledger.statement(T)).filter((e) => e.kind === 'expiry')).toHaveLength(0);

    clock.set(new Date('2026-07-10T00:00:00Z')); // lot 2 is due: its unspent 30 expire
    b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(0);
    const expiries = (await tollgate.ledger.statement(T)).filter((e) => e.kind === 'expiry');
    expect(expiries.map((e) => e.amount_micros)).toEqual([-30_000_000]);

    clock.set(new Date('2027-01-01T00:00:00Z')); // nothing expires twice
    await tollgate.ledger.balance(T);
    expect((await tollgate.ledger.statement(T)).filter((e) => e.kind === 'expiry')).toHaveLength(1);
    await expectInvariant(tollgate);
  });

  it('refunds with a memo, never more than the leg was charged', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10' });
    await tollgate.intake.ingest(T, [leg({ id: 'r1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600 })]); // 0.60
    expect(await tollgate.ledger.refund(T, micros('0.40'), ADMIN, '')).toMatchObject({ ok: false, reason: 'memo_required' });
    expect(await tollgate.ledger.refund(T, micros('0.40'), ADMIN, 'dropped call', 'r1')).toMatchObject({ ok: true });
    expect(await tollgate.ledger.refund(T, micros('0.30'), ADMIN, 'again', 'r1')).toMatchObject({ ok: false, reason: 'refund_exceeds_charge' });
    expect(await tollgate.ledger.refund(T, micros('0.20'), ADMIN, 'rest', 'r1')).toMatchObject({ ok: true });
    expect(await tollgate.ledger.refund(T, micros('1'), ADMIN, 'x', 'no-such-leg')).toMatchObject({ ok: false, reason: 'unknown_leg' });
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(10_000_000);
    await expectInvariant(tollgate);
  });

  it('adjusts either way with a memo; a negative adjustment can trigger auto-recharge', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10', autoRecharge: { trigger: '5', amount: '20' } });
    expect(await tollgate.ledger.adjust(T, -micros('6'), ADMIN, 'correction')).toMatchObject({ ok: true });
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.balanceMicros).toBe(24_000_000);
    expect(await tollgate.ledger.adjust(T, micros('1'), ADMIN, '  ')).toMatchObject({ ok: false, reason: 'memo_required' });
    await expectInvariant(tollgate);
  });

  it('the invariant check notices a tampered balance', async () => {
    const { tollgate } = await setUpTenant(store, { fund: '10' });
    await store.db.updateTable('tenants').set({ balance_micros: 1 }).where('tenant_id', '=', T).execute();
    const report = await tollgate.ledger.checkInvariant(T);
    expect(report).toMatchObject({ ok: false, cachedBalanceMicros: 1, sumOfEntriesMicros: 10_000_000 });
  });
});
