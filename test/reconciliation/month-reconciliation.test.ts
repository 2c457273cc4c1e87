import { Reconciliation, type MonthReconciliation } from '../../src/reconciliation/reconciliation';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';
import { MONTH_OF_LEGS } from './support';

describeEachEngine('reconciliation with Microsoft', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let reconciliation: Reconciliation;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    const r = await tollgate.intake.ingest(T, MONTH_OF_LEGS);
    expect(r).toMatchObject({ ok: true, value: { accepted: MONTH_OF_LEGS.length, rejected: [] } });
    reconciliation = new Reconciliation(store);
  });
  afterEach(async () => cleanup());

  const november = async (): Promise<MonthReconciliation> => {
    const r = await reconciliation.month(T, '2026-11');
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  const differing = (r: MonthReconciliation, id: string) => r.differingLegs.find((l) => l.id === id);

  it("finds nothing to report where Microsoft's charges agree", async () => {
    const r = await november();
    for (const id of ['agree-out', 'agree-in', 'agree-sub', 'rate-ok', 'small-1', 'small-2', 'small-3', 'open-1']) expect(differing(r, id)).toBeUndefined();
    expect(r.meetings.map((m) => m.conferenceId)).not.toContain('conf-agree');
    expect(r.meetings.map((m) => m.conferenceId)).not.toContain('conf-open');
  });

  it('reports a leg that differs by rate, with both charges and the rate Microsoft applied', async () => {
    expect(differing(await november(), 'rate')).toMatchObject({
      cause: 'rate_card',
      causeText: 'Rate card differs',
      tollgateMicros: 600_000,
      microsoftMicros: 700_000,
      differenceMicros: 100_000,
      tollgatePerMinuteMicros: 60_000,
      microsoftPerMinuteMicros: 70_000,
      conferenceId: 'conf-rate',
      detail: "Microsoft charged $0.07/min for 10 min; Tollgate's rate card has $0.06/min.",
    });
  });

  it('reports legs that differ by pool or license state', async () => {
    const r = await november();
    expect(differing(r, 'pool')).toMatchObject({
      cause: 'pool_or_license',
      causeText: 'License or pool state differs',
      paidBy: 'pool',
      tollgateMicros: 0,
      microsoftMicros: 1_500_000,
      detail: 'Tollgate took it from the dial-out minute pool; Microsoft charged $1.50.',
    });
    expect(differing(r, 'license')).toMatchObject({
      cause: 'pool_or_license',
      tollgateMicros: 200_000,
      microsoftMicros: 0,
      microsoftLicenseCapability: 'MCOMEETADD',
      detail: 'Microsoft charged nothing (billed under MCOMEETADD); Tollgate charged $0.20 to credits.',
    });
  });

  it('reports a leg that differs by rounding', async () => {
    expect(differing(await november(), 'round')).toMatchObject({
      cause: 'rounding',
      causeText: 'Rounding',
      tollgateMicros: 120_000,
      microsoftMicros: 61_000,
      differenceMicros: -59_000,
      detail: 'Microsoft billed the exact 61 s ($0.06); Tollgate rounded up to 2 min ($0.12).',
    });
  });

  it('reports a leg billed in another currency apart, outside the totals', async () => {
    const r = await november();
    expect(differing(r, 'euro')).toMatchObject({ cause: 'currency', microsoftCurrency: 'EUR', detail: 'Microsoft charged €0.55; the credits are in USD (Tollgate charged $0.60).' });
    expect(r.differingLegs[r.differingLegs.length - 1]!.id).toBe('euro');
    expect(r.legs.otherCurrency).toBe(1);
  });

  it("sums the month over the legs carrying Microsoft's charge, counts the rest as not yet reconciled", async () => {
    const r = await november();
    expect(r).toMatchObject({ tenantId: T, month: '2026-11', currency: 'USD', toleranceMicros: 10_000 });
    // Tollgate: 0.60 + 0.20 + 0 + 0.60 + 0.12 + 0 + 0.20 + 0.12 + 3 × 0.06 + 0.06; Microsoft: 0.60 + 0.20 + 0 + 0.70 + 0.12 + 1.50 + 0 + 0.061 + 3 × 0.068 + 0.06.
    expect(r.totals).toEqual({ tollgateMicros: 2_080_000, microsoftMicros: 3_445_000, differenceMicros: 1_365_000 });
    expect(r.legs).toEqual({ rated: 14, compared: 13, matched: 8, differing: 5, otherCurrency: 1, unreconciled: 1, unreconciledTollgateMicros: 60_000 });
    expect(r.causes).toEqual({ rate_card: 1, pool_or_license: 2, rounding: 1, currency: 1 });
    expect(r.differingLegs.map((l) => l.id)).toEqual(['pool', 'license', 'rate', 'round', 'euro']);
    expect(r.meetingCounts).toEqual({ compared: 7, differing: 5 });
  });

  it('sums each meeting, including one whose legs each agree but whose total does not', async () => {
    const r = await november();
    expect(r.meetings.map((m) => [m.conferenceId, m.tollgateMicros, m.microsoftMicros, m.differenceMicros, m.differingLegs, m.comparedLegs, m.causes])).toEqual([
      ['conf-pool', 200_000, 1_500_000, 1_300_000, 2, 2, ['pool_or_license']],
      ['conf-rate', 720_000, 820_000, 100_000, 1, 2, ['rate_card']],
      ['conf-round', 120_000, 61_000, -59_000, 1, 1, ['rounding']],
      ['conf-small', 180_000, 204_000, 24_000, 0, 3, ['rounding']],
      ['conf-euro', 0, 0, 0, 1, 1, ['currency']],
    ]);
  });

  it('keeps months apart', async () => {
    const r = await reconciliation.month(T, '2026-10');
    expect(r).toMatchObject({ ok: true, value: { totals: { tollgateMicros: 600_000, microsoftMicros: 900_000 }, legs: { compared: 1, differing: 1 } } });
    if (r.ok) expect(r.value.differingLegs.map((l) => [l.id, l.cause])).toEqual([['october', 'rate_card']]);
    const empty = await reconciliation.month(T, '2026-12');
    expect(empty).toMatchObject({ ok: true, value: { totals: { tollgateMicros: 0, microsoftMicros: 0, differenceMicros: 0 }, legs: { rated: 0, compared: 0 }, meetings: [], differingLegs: [] } });
  });

  it("reads Microsoft's currency code whatever its case", async () => {
    await store.db.updateTable('legs').set({ ms_currency: 'usd' }).where('tenant_id', '=', T).where('id', 'in', ['agree-out', 'rate']).execute();
    const r = await november();
    expect(differing(r, 'agree-out')).toBeUndefined();
    expect(differing(r, 'rate')).toMatchObject({ cause: 'rate_card' });
    expect(r.legs).toMatchObject({ compared: 13, differing: 5 });
  });

  it('keeps tenants apart', async () => {
    await setUpTenant(store, { fund: '10' }, 'tenant-b');
    const r = await reconciliation.month('tenant-b', '2026-11');
    expect(r).toMatchObject({ ok: true, value: { legs: { rated: 0 }, differingLegs: [] } });
  });

  it('answers a bad month or an unknown tenant as data', async () => {
    expect(await reconciliation.month(T, '2026-13')).toMatchObject({ ok: false, reason: 'invalid_month' });
    expect(await reconciliation.month(T, 'November')).toMatchObject({ ok: false, reason: 'invalid_month' });
    expect(await reconciliation.month('nobody', '2026-11')).toMatchObject({ ok: false, reason: 'unknown_tenant' });
  });

  it("calls a meeting final once every rated leg carries Microsoft's charge, estimated until then", async () => {
    expect(await reconciliation.meetingStatus(T, 'conf-agree')).toBe('final');
    expect(await reconciliation.meetingStatus(T, 'conf-open')).toBe('estimated');
    expect(await reconciliation.meetingStatus(T, 'no-such-meeting')).toBe('estimated');
    // Microsoft's row for the last leg arrives.
    await store.db.updateTable('legs').set({ ms_charge_micros: 60_000, ms_currency: 'USD' }).where('tenant_id', '=', T).where('id', '=', 'open-2').execute();
    expect(await reconciliation.meetingStatus(T, 'conf-open')).toBe('final');
  });
});
