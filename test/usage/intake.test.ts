import fc from 'fast-check';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { scaled } from '../support/time-scale';

async function snapshot(store: Store) {
  const legs = await store.db.selectFrom('legs').select(['id', 'status', 'paid_by', 'billed_seconds', 'pool_seconds', 'charge_micros', 'flags', 'content_hash']).where('tenant_id', '=', T).orderBy('id').execute();
  const entries = await store.db.selectFrom('ledger_entries').select(['seq', 'kind', 'amount_micros', 'balance_after_micros', 'leg_id']).where('tenant_id', '=', T).orderBy('seq').execute();
  const tenant = await store.db.selectFrom('tenants').select(['balance_micros', 'last_entry_seq']).where('tenant_id', '=', T).executeTakeFirstOrThrow();
  const pool = await store.db.selectFrom('pool_usage').selectAll().where('tenant_id', '=', T).orderBy('month').execute();
  const meetings = await store.db.selectFrom('meetings').select(['conference_id', 'legs', 'billed_seconds', 'pool_seconds', 'charge_micros']).where('tenant_id', '=', T).orderBy('conference_id').execute();
  const norm = (rows: object[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])));
  return { legs: norm(legs), entries: norm(entries), tenant: norm([tenant]), pool: norm(pool), meetings: norm(meetings) };
}

describeEachEngine('intake', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
  });
  afterEach(async () => cleanup());

  it('rates a Graph page and a plain array the same way, and keeps meeting rollups', async () => {
    const page = {
      value: [
        leg({ id: 'in-toll', callType: 'conf_in', number: NUMBERS.usLandline, seconds: 600, conferenceId: 'm1' }),
        leg({ id: 'in-free', callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true, seconds: 600, conferenceId: 'm1' }),
      ],
    };
    const r = await tollgate.intake.ingest(T, page.value);
    expect(r).toMatchObject({ ok: true, value: { accepted: 2, duplicates: 0, conflicts: 0, ignored: 0, rejected: [], charged: 400_000, chargedLegs: 1 } });
    const legs = await tollgate.meetings.legs(T, { conferenceId: 'm1' });
    expect(legs.map((l) => [l.id, l.paidBy, l.billedMinutes, l.chargeMicros])).toEqual([
      ['in-free', 'credits', 10, 400_000], // toll-free dial-in on subscription: credits, 10 × 0.04
      ['in-toll', 'subscription', 10, 0], // toll dial-in: included in the subscription
    ]);
    const meetings = await tollgate.meetings.meetings(T);
    expect(meetings).toEqual([
      expect.objectContaining({ conferenceId: 'm1', legs: 2, billedMinutes: 20, chargeMicros: 400_000, paidBy: { subscription: 1, pool: 0, credits: 1, addon: 0 } }),
    ]);
    // A late leg of the same meeting updates its rollup.
    await tollgate.intake.ingest(T, [leg({ id: 'late', number: NUMBERS.aeLandline, seconds: 60, conferenceId: 'm1' })]);
    const [m] = await tollgate.meetings.meetings(T);
    expect(m).toMatchObject({ legs: 3, chargeMicros: 400_000 + 400_000, billedMinutes: 21 });
  });

  it('treats the same row again as a duplicate and the same id with other content as a conflict', async () => {
    const original = leg({ id: 'dup-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120 });
    await tollgate.intake.ingest(T, [original]);
    const before = await snapshot(store);
    // Same content, keys in another order and the number type spelled differently: a duplicate.
    const reordered = Object.fromEntries(Object.entries({ ...original, inventoryType: 'toll' }).reverse());
    const again = await tollgate.intake.ingest(T, [reordered]);
    expect(again).toMatchObject({ ok: true, value: { accepted: 0, duplicates: 1, conflicts: 0, charged: 0 } });
    const conflict = await tollgate.intake.ingest(T, [{ ...original, duration: 121 }]);
    expect(conflict).toMatchObject({ ok: true, value: { accepted: 0, duplicates: 0, conflicts: 1, conflictIds: ['dup-1'] } });
    expect(await snapshot(store)).toEqual(before);
  });

  it('counts a repeated id inside one request once', async () => {
    const a = leg({ id: 'twice', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 });
    const r = await tollgate.intake.ingest(T, [a, a, { ...a, duration: 5 }]);
    expect(r).toMatchObject({ ok: true, value: { accepted: 1, duplicates: 1, conflicts: 1, charged: 60_000 } });
  });

  it('stores other call types as ignored, and rejects bad rows without blocking good ones', async () => {
    const good = leg({ id: 'good', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 });
    const userCall = { ...leg({ id: 'pstn', number: NUMBERS.usLandline, seconds: 300 }), callType: 'user_out' };
    const bad = [
      { ...leg({ number: NUMBERS.usLandline, seconds: 60 }), id: '' },
      { ...leg({ id: 'no-number', number: NUMBERS.usLandline, seconds: 60 }), calleeNumber: null },
      { ...leg({ id: 'bad-number', number: NUMBERS.usLandline, seconds: 60 }), calleeNumber: '+1555' },
      { ...leg({ id: 'bad-date', number: NUMBERS.usLandline, seconds: 60 }), startDateTime: 'yesterday' },
      { ...leg({ id: 'neg', number: NUMBERS.usLandline, seconds: 60 }), duration: -5 },
      { ...leg({ id: 'frac', number: NUMBERS.usLandline, seconds: 60 }), duration: 1.5 },
      { ...leg({ id: 'no-organizer', number: NUMBERS.usLandline, seconds: 60 }), userId: null },
      'not an object',
      null,
    ];
    const r = await tollgate.intake.ingest(T, [good, userCall, ...bad]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ accepted: 1, ignored: 1, charged: 60_000 });
    expect(r.value.rejected.map((x) => [x.index, x.reason])).toEqual([
      [2, 'malformed_record'],
      [3, 'malformed_record'],
      [4, 'invalid_number'],
      [5, 'malformed_record'],
      [6, 'malformed_record'],
      [7, 'malformed_record'],
      [8, 'malformed_record'],
      [9, 'malformed_record'],
      [10, 'malformed_record'],
    ]);
    expect(r.value.rejected.every((x) => x.message.length > 5)).toBe(true);
    const stored = await store.db.selectFrom('legs').select(['id', 'status']).where('tenant_id', '=', T).orderBy('id').execute();
    expect(stored).toEqual([{ id: 'good', status: 'rated' }, { id: 'pstn', status: 'ignored' }]);
    // An ignored row sent again is a duplicate, not a new ignored row.
    const again = await tollgate.intake.ingest(T, [userCall]);
    expect(again).toMatchObject({ ok: true, value: { ignored: 0, duplicates: 1 } });
  });

  it('reads toll-free from any spelling of inventoryType', async () => {
    const spellings = ['TollFree', 'toll_free', 'Toll Free', 'TOLL-FREE', 'tollfree'];
    await tollgate.intake.ingest(T, spellings.map((s, i) => ({ ...leg({ id: `tf-${i}`, callType: 'conf_in', number: NUMBERS.usTollFree, seconds: 60 }), inventoryType: s })));
    const legs = await tollgate.meetings.legs(T);
    expect(legs.map((l) => [l.tollFree, l.paidBy, l.chargeMicros])).toEqual(spellings.map(() => [true, 'credits', 40_000]));
  });

  it('draws on the pool in settlement order: earlier batches first, start-time order within a batch', async () => {
    // 2 licenses = 120 pool minutes. First batch: 100 minutes to the UK (Zone A).
    await tollgate.intake.ingest(T, [leg({ id: 'p1', number: NUMBERS.gbLandline, seconds: 100 * 60, start: '2026-11-03T10:00:00Z' })]);
    // Second batch, given latest-first: the 09:00 leg settles first and takes the last 20 minutes (and 10 more
    // on credits), the 11:00 leg then finds the pool empty.
    const r = await tollgate.intake.ingest(T, [
      leg({ id: 'p3', number: NUMBERS.gbLandline, seconds: 30 * 60, start: '2026-11-04T11:00:00Z' }),
      leg({ id: 'p2', number: NUMBERS.gbLandline, seconds: 30 * 60, start: '2026-11-04T09:00:00Z' }),
    ]);
    expect(r.ok && r.value.charged).toBe(10 * 50_000 + 30 * 50_000);
    const legs = await tollgate.meetings.legs(T);
    expect(legs.map((l) => [l.id, l.paidBy, l.poolMinutes, l.chargeMicros])).toEqual([
      ['p1', 'pool', 100, 0],
      ['p2', 'credits', 20, 500_000],
      ['p3', 'credits', 0, 1_500_000],
    ]);
    const b = await tollgate.ledger.balance(T);
    expect(b.ok && b.value.pool).toMatchObject({ month: expect.any(String), totalMinutes: 120 });
    const pool = await store.db.selectFrom('pool_usage').selectAll().where('tenant_id', '=', T).execute();
    expect(pool.map((p) => [p.month, Number(p.used_seconds)])).toEqual([['2026-11', 120 * 60]]);
  });

  it('keeps each calendar month’s pool apart', async () => {
    await tollgate.intake.ingest(T, [
      leg({ id: 'oct', number: NUMBERS.gbLandline, seconds: 120 * 60, start: '2026-10-31T23:00:00Z' }),
      leg({ id: 'nov', number: NUMBERS.gbLandline, seconds: 60 * 60, start: '2026-11-01T00:30:00Z' }),
    ]);
    const legs = await tollgate.meetings.legs(T);
    expect(legs.map((l) => [l.id, l.paidBy, l.chargeMicros])).toEqual([
      ['oct', 'pool', 0],
      ['nov', 'pool', 0],
    ]);
  });

  it('charges what happened and flags what broke policy or licensing', async () => {
    await tollgate.intake.ingest(T, [
      leg({ id: 'ppm-intl', organizer: USERS.ppm, number: NUMBERS.frLandline, seconds: 60 }), // domestic-only policy
      leg({ id: 'unknown', organizer: 'someone-else', number: NUMBERS.usLandline, seconds: 60 }),
      leg({ id: 'nolicense', organizer: USERS.none, number: NUMBERS.usLandline, seconds: 60 }),
    ]);
    const byId = Object.fromEntries((await tollgate.meetings.legs(T)).map((l) => [l.id, l]));
    expect(byId['ppm-intl']).toMatchObject({ paidBy: 'credits', chargeMicros: 50_000 + 100_000, flags: ['dialout_domestic_only'] });
    expect(byId['unknown']!.flags).toContain('unknown_organizer');
    expect(byId['unknown']!.chargeMicros).toBe(30_000);
    expect(byId['nolicense']!.flags).toContain('no_audio_conferencing_license');
    const [m] = await tollgate.meetings.meetings(T);
    expect(m!.flaggedLegs).toBe(3);
  });

  it("keeps Microsoft's own charge for reconciliation", async () => {
    await tollgate.intake.ingest(T, [leg({ id: 'ms', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, charge: 0.061234 })]);
    const [l] = await tollgate.meetings.legs(T);
    expect(l!.microsoftChargeMicros).toBe(61_234);
  });

  it('answers unknown_tenant for a tenant it does not know, and writes nothing', async () => {
    const r = await tollgate.intake.ingest('nobody', [leg({ number: NUMBERS.usLandline, seconds: 60 })]);
    expect(r).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    const r2 = await tollgate.intake.ingest('nobody', []);
    expect(r2).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    const n = await store.db.selectFrom('legs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(0);
  });

  it('importing any batch twice changes nothing the second time', async () => {
    const numbers = Object.values(NUMBERS);
    const organizers = Object.values(USERS);
    const legArb = fc.record({
      n: fc.integer({ min: 0, max: 10_000 }),
      number: fc.constantFrom(...numbers),
      organizer: fc.constantFrom(...organizers, 'stranger'),
      seconds: fc.integer({ min: 0, max: 4 * 3600 }),
      day: fc.integer({ min: 1, max: 28 }),
      callType: fc.constantFrom('conf_in', 'conf_out', 'user_in'),
      tollFree: fc.boolean(),
    });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(legArb, { minLength: 1, maxLength: 40 }), async (specs) => {
        round += 1;
        const batch = specs.map((s) =>
          leg({ id: `prop-${round}-${s.n}`, number: s.number, organizer: s.organizer, seconds: s.seconds, callType: s.callType, tollFree: s.tollFree, start: `2026-11-${String(s.day).padStart(2, '0')}T10:00:00Z`, conferenceId: `c${s.n % 3}` }),
        );
        const first = await tollgate.intake.ingest(T, batch);
        expect(first.ok).toBe(true);
        const before = await snapshot(store);
        const second = await tollgate.intake.ingest(T, batch);
        expect(second.ok && second.value.accepted + second.value.ignored).toBe(0);
        expect(second.ok && second.value.charged).toBe(0);
        expect(await snapshot(store)).toEqual(before);
        const report = await tollgate.ledger.checkInvariant(T);
        expect(report?.ok).toBe(true);
      }),
      { numRuns: engine === 'sqlite' ? 30 : 10 },
    );
  }, scaled(120_000));
});

describeEachEngine('intake: Microsoft’s billed figures arriving later', (engine) => {
  it('fills them in on the stored leg once, charges nothing again, and the meeting becomes final', async () => {
    const { store, cleanup } = await freshStore(engine);
    try {
      const { tollgate } = await setUpTenant(store, { fund: '100' });
      const first = leg({ id: 'late-bill', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, conferenceId: 'conf-late' });
      const r1 = await tollgate.intake.ingest(T, [{ ...first, charge: null, currency: null, licenseCapability: null }]);
      expect(r1).toMatchObject({ ok: true, value: { accepted: 1, charged: 120_000 } });
      const { Reconciliation } = await import('../../src/reconciliation/reconciliation');
      const reconciliation = new Reconciliation(store);
      expect(await reconciliation.meetingStatus(T, 'conf-late')).toBe('estimated');

      // The same call from Graph, now with Microsoft's charge: a duplicate that brings the billed figures.
      const billed = { ...first, charge: 0.12, currency: 'USD', licenseCapability: 'MCOMEETACPEA' };
      const r2 = await tollgate.intake.ingest(T, [billed]);
      expect(r2).toMatchObject({ ok: true, value: { accepted: 0, duplicates: 1, conflicts: 0, enriched: 1, charged: 0 } });
      const [stored] = await tollgate.meetings.legs(T, { conferenceId: 'conf-late' });
      expect(stored).toMatchObject({ microsoftChargeMicros: 120_000, chargeMicros: 120_000 });
      expect(await reconciliation.meetingStatus(T, 'conf-late')).toBe('final');

      // Again: nothing left to fill in. Another figure for the same call never overwrites the first.
      const r3 = await tollgate.intake.ingest(T, [{ ...billed, charge: 0.5 }]);
      expect(r3).toMatchObject({ ok: true, value: { duplicates: 1, enriched: 0, conflicts: 0 } });
      expect((await tollgate.meetings.legs(T, { conferenceId: 'conf-late' }))[0]!.microsoftChargeMicros).toBe(120_000);
      // What the call was is still its identity: another duration is a conflict.
      const r4 = await tollgate.intake.ingest(T, [{ ...billed, duration: 121 }]);
      expect(r4).toMatchObject({ ok: true, value: { conflicts: 1 } });
      const charges = (await tollgate.ledger.statement(T)).filter((e) => e.kind === 'charge');
      expect(charges).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });
});
