import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import type { Store } from '../../src/store/database';
import { silentLogger } from '../../src/observability/logger';
import { FixedClock } from '../../src/time/clock';

/**
 * A chunk of a tenant whose last chunk found nothing stored skips the look-up of its ids and counts on the legs'
 * primary key to refuse a stored one (then the chunk is rolled back and runs again, looking up first). These check
 * that the outcome is exactly the look-up's in every order of fresh and stored chunks: stored rows are duplicates or
 * conflicts, charged nothing, and nothing of a refused attempt is left behind.
 */

const made = new Map<string, Record<string, unknown>>();
/**
 * The leg `id` of the pay-per-minute organizer (every second of it is charged: 60,000 micros a minute to DE), the same
 * row every time it is asked for with the same length; another length is other content under the same id.
 */
function charged(id: string, seconds = 60) {
  const key = `${id}/${seconds}`;
  if (!made.has(key)) made.set(key, leg({ id, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds, conferenceId: `conf-${id.split('-')[0]}` }));
  return { ...made.get(key)! };
}

async function ledgerState(store: Store, tollgate: Tollgate) {
  const legs = await store.db.selectFrom('legs').select(['id', 'charge_micros', 'settled_seq']).where('tenant_id', '=', T).orderBy('id').execute();
  const charges = await store.db.selectFrom('ledger_entries').select(['leg_id', 'amount_micros']).where('tenant_id', '=', T).where('kind', '=', 'charge').orderBy('seq').execute();
  const meetings = await store.db.selectFrom('meetings').select(['conference_id', 'legs', 'charge_micros']).where('tenant_id', '=', T).orderBy('conference_id').execute();
  const tenant = await store.db.selectFrom('tenants').select(['balance_micros', 'last_leg_seq']).where('tenant_id', '=', T).executeTakeFirstOrThrow();
  const invariant = await tollgate.ledger.checkInvariant(T);
  return {
    legs: legs.map((l) => [l.id, Number(l.charge_micros), Number(l.settled_seq)]),
    charges: charges.map((c) => [c.leg_id, Number(c.amount_micros)]),
    meetings: meetings.map((m) => [m.conference_id, Number(m.legs), Number(m.charge_micros)]),
    balance: Number(tenant.balance_micros),
    lastLegSeq: Number(tenant.last_leg_seq),
    invariantOk: invariant?.ok,
  };
}

describeEachEngine('intake: chunks with stored legs', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
  });
  afterEach(async () => cleanup());

  it('a fresh chunk, then one that repeats it with fresh legs among the stored: the stored ones are duplicates, charged once', async () => {
    const first = await tollgate.intake.ingest(T, [charged('a-1'), charged('a-2'), charged('a-3')]);
    expect(first).toMatchObject({ ok: true, value: { accepted: 3, duplicates: 0, charged: 180_000 } });
    const mixed = await tollgate.intake.ingest(T, [charged('a-2'), charged('b-1'), charged('a-3'), charged('b-2')]);
    expect(mixed).toMatchObject({ ok: true, value: { accepted: 2, duplicates: 2, conflicts: 0, charged: 120_000, chargedLegs: 2 } });

    const state = await ledgerState(store, tollgate);
    expect(state.legs.map(([id]) => id)).toEqual(['a-1', 'a-2', 'a-3', 'b-1', 'b-2']);
    expect(state.charges.map(([id]) => id).sort()).toEqual(['a-1', 'a-2', 'a-3', 'b-1', 'b-2']);
    // Settled once each, in order, with no gap a refused attempt could have left in the sequence.
    expect(state.legs.map(([, , seq]) => seq).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(state.lastLegSeq).toBe(5);
    expect(state.meetings).toEqual([['conf-a', 3, 180_000], ['conf-b', 2, 120_000]]);
    expect(state.balance).toBe(100_000_000 - 300_000);
    expect(state.invariantOk).toBe(true);
  });

  it('a stored id with other content among fresh legs is a conflict, and the fresh legs go in', async () => {
    await tollgate.intake.ingest(T, [charged('a-1')]);
    const r = await tollgate.intake.ingest(T, [charged('b-1'), charged('a-1', 61), charged('b-2')]);
    expect(r).toMatchObject({ ok: true, value: { accepted: 2, duplicates: 0, conflicts: 1, conflictIds: ['a-1'], charged: 120_000 } });
    const state = await ledgerState(store, tollgate);
    expect(state.legs).toEqual([['a-1', 60_000, 1], ['b-1', 60_000, 2], ['b-2', 60_000, 3]]);
    expect(state.invariantOk).toBe(true);
  });

  it('fresh, repeated, fresh again, repeated in part: every leg is charged once whichever way each chunk ran', async () => {
    const batches = [
      ['a-1', 'a-2'], // fresh
      ['a-1', 'a-2'], // all stored
      ['b-1', 'b-2'], // fresh after a chunk that held stored legs
      ['c-1', 'b-2', 'c-2'], // stored in the middle
      ['d-1'], // fresh
      ['d-1', 'e-1'], // stored first
    ];
    const summaries = [];
    for (const ids of batches) {
      const r = await tollgate.intake.ingest(T, ids.map((id) => charged(id)));
      if (!r.ok) throw new Error(r.message);
      summaries.push([r.value.accepted, r.value.duplicates, r.value.charged]);
    }
    expect(summaries).toEqual([[2, 0, 120_000], [0, 2, 0], [2, 0, 120_000], [2, 1, 120_000], [1, 0, 60_000], [1, 1, 60_000]]);
    const state = await ledgerState(store, tollgate);
    const ids = ['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2', 'd-1', 'e-1'];
    expect(state.legs.map(([id]) => id)).toEqual(ids);
    expect(state.charges.map(([id]) => id).sort()).toEqual(ids);
    expect(state.lastLegSeq).toBe(ids.length);
    expect(state.balance).toBe(100_000_000 - 60_000 * ids.length);
    expect(state.invariantOk).toBe(true);
  });

  it('a second intake (another process) that never saw the first one’s legs still counts them as stored', async () => {
    await tollgate.intake.ingest(T, [charged('a-1'), charged('a-2')]);
    const other = createTollgate(store, new FixedClock(new Date('2026-11-15T12:00:00Z')), silentLogger, { chunkSize: 100 });
    const r = await other.intake.ingest(T, [charged('a-2'), charged('b-1')]);
    expect(r).toMatchObject({ ok: true, value: { accepted: 1, duplicates: 1, charged: 60_000 } });
    const state = await ledgerState(store, tollgate);
    expect(state.charges.map(([id]) => id).sort()).toEqual(['a-1', 'a-2', 'b-1']);
    expect(state.invariantOk).toBe(true);
  });

  it('both intakes racing the same legs on one tenant charge each leg once', async () => {
    const other = createTollgate(store, new FixedClock(new Date('2026-11-15T12:00:00Z')), silentLogger, { chunkSize: 2 });
    const batch = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'].map((id) => charged(id));
    const [x, y] = await Promise.all([tollgate.intake.ingest(T, batch), other.intake.ingest(T, [...batch].reverse())]);
    if (!x.ok || !y.ok) throw new Error('an intake failed');
    expect(x.value.accepted + y.value.accepted).toBe(5);
    expect(x.value.duplicates + y.value.duplicates).toBe(5);
    const state = await ledgerState(store, tollgate);
    expect(state.charges.map(([id]) => id).sort()).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    expect(state.balance).toBe(100_000_000 - 300_000);
    expect(state.invariantOk).toBe(true);
  });
});
