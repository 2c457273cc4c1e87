import fc from 'fast-check';
import type { Store } from '../../src/store/database';
import { silentLogger } from '../../src/observability/logger';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { storeSnapshot, type DataTable } from './support/store-snapshot';
import { scaled } from '../support/time-scale';

/**
 * Intake on hostile batches. A batch is valid records with some of them mutated (a field dropped, retyped or
 * replaced by something nasty, an id reused, the whole record replaced by arbitrary JSON). Whatever comes in:
 * every row is accounted for once, every rejection says which row and why, a row the intake rejects leaves no trace
 * (the tenant ends up exactly like a twin tenant sent only the rows it kept), and nothing is charged twice.
 */
const TWIN = 'tenant-twin';
// Intake writes these; ids of audit and outbox rows are random, and the batch writes neither.
const INTAKE_TABLES: DataTable[] = ['tenants', 'legs', 'ledger_entries', 'funding_lots', 'pool_usage', 'meetings'];

const nastyText = fc.constantFrom(
  '', ' ', 'x'.repeat(201), '\u0000', 'a\u0000b', '\uD800', 'x\uDC00', '💸', '\u202E', 'null', '__proto__', 'constructor', '2026-11-31T10:00:00Z',
  '2026-11-10 10:00:00Z', '2026-11-10T10:00:00', 'yesterday', '+1555', '+4930123456', '0x10', '1e3', 'NaN', 'TollFree', 'conf_in', 'CONF_OUT',
);
const nastyValue = fc.oneof(
  { weight: 3, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, 604_801, 1e9 + 1, -1e10, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2) },
);
const FIELDS = ['id', 'callId', 'callType', 'calleeNumber', 'callerNumber', 'userId', 'userPrincipalName', 'userDisplayName', 'conferenceId',
  'inventoryType', 'startDateTime', 'endDateTime', 'duration', 'charge', 'connectionCharge', 'currency', 'licenseCapability'];

type Mutation =
  | { kind: 'drop'; field: string }
  | { kind: 'poison'; field: string; char: string }
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'reuse-id'; of: number }
  | { kind: 'replace'; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...FIELDS).map((field): Mutation => ({ kind: 'drop', field })) },
  { weight: 6, arbitrary: fc.record({ field: fc.constantFrom(...FIELDS), value: nastyValue }).map((m): Mutation => ({ kind: 'set', ...m })) },
  // A good value with one character no database stores as text.
  { weight: 2, arbitrary: fc.record({ field: fc.constantFrom(...FIELDS), char: fc.constantFrom('\u0000', '\uD800', '\uDFFF') }).map((m): Mutation => ({ kind: 'poison', ...m })) },
  { weight: 1, arbitrary: fc.nat(40).map((of): Mutation => ({ kind: 'reuse-id', of })) },
  { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant([]), fc.constant(null), fc.constant('row')).map((value): Mutation => ({ kind: 'replace', value })) },
);

const row = fc.record({
  organizer: fc.constantFrom(...Object.values(USERS), 'stranger'),
  number: fc.constantFrom(...Object.values(NUMBERS)),
  seconds: fc.integer({ min: 0, max: 3 * 3600 }),
  day: fc.integer({ min: 1, max: 28 }),
  callType: fc.constantFrom('conf_in', 'conf_out', 'user_in'),
  tollFree: fc.boolean(),
  conference: fc.constantFrom('c0', 'c1', 'c2'),
  charge: fc.option(fc.integer({ min: 0, max: 500 }).map((c) => c / 100), { nil: undefined }),
  mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
});

type RowSpec = typeof row extends fc.Arbitrary<infer U> ? U : never;

function batchOf(round: number, specs: RowSpec[]): { records: unknown[]; mutated: boolean[] } {
  const base = specs.map((s, i) =>
    leg({
      id: `r${round}-${i}`,
      organizer: s.organizer,
      number: s.number,
      seconds: s.seconds,
      callType: s.callType,
      tollFree: s.tollFree,
      start: `2026-11-${String(s.day).padStart(2, '0')}T10:00:00Z`,
      conferenceId: `${s.conference}-${round}`,
      charge: s.charge,
    }),
  );
  const records = specs.map((s, i): unknown => {
    let r: unknown = { ...base[i]! };
    for (const m of s.mutations) {
      if (m.kind === 'replace') r = m.value;
      else if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
        const o = r as Record<string, unknown>;
        if (m.kind === 'drop') delete o[m.field];
        else if (m.kind === 'set') o[m.field] = m.value;
        else if (m.kind === 'poison') o[m.field] = typeof o[m.field] === 'string' ? `${(o[m.field] as string).slice(0, 3)}${m.char}${(o[m.field] as string).slice(3)}` : m.char;
        else o.id = base[m.of % base.length]!.id;
      }
    }
    return r;
  });
  return { records, mutated: specs.map((s) => s.mutations.length > 0) };
}

/** A snapshot with the tenant id taken out, so two tenants' rows compare. */
async function tenantState(store: Store, tenantId: string) {
  const snap = await storeSnapshot(store, tenantId, INTAKE_TABLES);
  const id = JSON.stringify(tenantId);
  return Object.fromEntries(Object.entries(snap).map(([t, rows]) => [t, rows.map((r) => r.split(id).join('"T"'))]));
}

describeEachEngine('intake on hostile batches', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    const { clock } = await setUpTenant(store, { fund: '50', autoRecharge: { trigger: '10', amount: '25' } });
    await setUpTenant(store, { fund: '50', autoRecharge: { trigger: '10', amount: '25' } }, TWIN);
    // Transactions of three legs: batches cross chunk boundaries, each chunk committing whole.
    tollgate = createTollgate(store, clock, silentLogger, { chunkSize: 3 });
  });
  afterAll(async () => cleanup());

  it('accounts for every row once, says why each rejected row is bad, and charges the kept rows exactly as if sent alone', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (specs) => {
        round += 1;
        const { records, mutated } = batchOf(round, specs);
        const result = await tollgate.intake.ingest(T, records);
        if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
        const s = result.value;

        // Every row once: kept (accepted, ignored, duplicate, conflict) or rejected with its index, a reason and a message.
        expect(s.accepted + s.ignored + s.duplicates + s.conflicts + s.rejected.length).toBe(records.length);
        const rejectedAt = new Set(s.rejected.map((r) => r.index));
        expect(rejectedAt.size).toBe(s.rejected.length);
        for (const r of s.rejected) {
          expect(Number.isInteger(r.index) && r.index >= 0 && r.index < records.length).toBe(true);
          expect(r.reason).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
          expect(r.message.trim().length).toBeGreaterThan(5);
          const input = records[r.index] as { id?: unknown } | null;
          const id = input !== null && typeof input === 'object' && typeof input.id === 'string' ? input.id : null;
          expect([id, id?.trim()]).toContain(r.id);
          expect(mutated[r.index]).toBe(true);
        }

        // The twin is sent only the rows the intake kept: both tenants must be alike, ledger, legs, pool and meetings.
        const kept = records.filter((_, i) => !rejectedAt.has(i));
        const twin = await tollgate.intake.ingest(TWIN, kept);
        expect(twin.ok && twin.value.rejected).toEqual([]);
        expect(twin.ok && { ...twin.value, rejected: [] }).toEqual({ ...s, rejected: [] });
        expect(await tenantState(store, T)).toEqual(await tenantState(store, TWIN));

        // Again: nothing new, nothing charged, nothing written; one charge entry per leg ever.
        const before = await storeSnapshot(store, T, INTAKE_TABLES);
        const again = await tollgate.intake.ingest(T, records);
        expect(again.ok && [again.value.accepted, again.value.ignored, again.value.charged, again.value.autoRecharges]).toEqual([0, 0, 0, 0]);
        expect(await storeSnapshot(store, T, INTAKE_TABLES)).toEqual(before);
        const charges = await store.db.selectFrom('ledger_entries').select('leg_id').where('tenant_id', '=', T).where('leg_id', 'is not', null).execute();
        expect(new Set(charges.map((c) => c.leg_id)).size).toBe(charges.length);
        expect((await tollgate.ledger.checkInvariant(T))?.ok).toBe(true);
      }),
      { seed: 5_2026, numRuns: engine === 'sqlite' ? 40 : 20 },
    );
  }, scaled(120_000));

  it('writes nothing at all for a batch whose every row is rejected, or for a tenant it does not know', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ id: nastyText, callType: fc.constantFrom('conf_in', 'conf_out'), startDateTime: nastyText }), fc.constant({ ...leg({ number: '+1555', seconds: 60 }) })), { minLength: 1, maxLength: 10 }), async (records) => {
        const before = await storeSnapshot(store, T);
        const r = await tollgate.intake.ingest(T, records);
        expect(r.ok && r.value.rejected.length).toBe(records.length);
        const unknown = await tollgate.intake.ingest('tenant-nobody', [leg({ number: NUMBERS.usLandline, seconds: 60 }), ...records]);
        expect(unknown).toMatchObject({ ok: false, reason: 'unknown_tenant' });
        expect(await storeSnapshot(store, T)).toEqual(before);
        expect(await tollgate.directory.tenant('tenant-nobody')).toBeUndefined();
      }),
      { seed: 52_026, numRuns: engine === 'sqlite' ? 30 : 15 },
    );
  }, scaled(60_000));
});
