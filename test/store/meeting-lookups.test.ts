import Database from 'better-sqlite3';
import { balanceAfterMeeting, listLegs } from '../../src/store/leg-store';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore, createTestDatabase } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { openStore } from '../../src/store/database';
import { intakeLedgerLegSeqMigration } from '../../src/store/migrations';
import { sql } from 'kysely';
import { scaled } from '../support/time-scale';

/**
 * A meeting's cost card reads the meeting's legs in start order and the balance right after its last charge. Both
 * are found from the meeting (its conference id) through indexes, never by walking the tenant's legs or ledger.
 */
describeEachEngine('meeting look-ups: legs in order, balance after the last charge', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '500' }));
    // Meeting A's 1,050 dial-outs (more than one slice of leg ids) and meeting B's, settled interleaved, in batches.
    const legs: Record<string, unknown>[] = [];
    for (let i = 0; i < 1050; i++) {
      const start = new Date(Date.parse('2026-11-10T08:00:00Z') + i * 7_000).toISOString();
      legs.push(leg({ id: `a-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 30, start, conferenceId: 'conf-a' }));
      if (i % 50 === 0) legs.push(leg({ id: `b-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 30, start, conferenceId: 'conf-b' }));
    }
    // Meeting C: only legs nobody is charged for (subscription toll dial-in).
    legs.push(leg({ id: 'c-1', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline, seconds: 600, conferenceId: 'conf-c' }));
    for (let i = 0; i < legs.length; i += 400) {
      const r = await tollgate.intake.ingest(T, legs.slice(i, i + 400));
      if (!r.ok) throw new Error(r.message);
    }
  }, scaled(120_000));
  afterAll(async () => cleanup());

  /** What the ledger says, the slow obvious way: the latest charge entry of any of the meeting's legs. */
  async function expectedBalanceAfter(conferenceId: string): Promise<number | null> {
    const ids = new Set((await store.db.selectFrom('legs').select('id').where('tenant_id', '=', T).where('conference_id', '=', conferenceId).execute()).map((l) => l.id));
    const entries = await store.db.selectFrom('ledger_entries').select(['seq', 'kind', 'leg_id', 'balance_after_micros']).where('tenant_id', '=', T).orderBy('seq').execute();
    let balance: number | null = null;
    for (const e of entries) if (e.kind === 'charge' && e.leg_id !== null && ids.has(e.leg_id)) balance = Number(e.balance_after_micros);
    return balance;
  }

  it('the balance after each meeting is the one after its own last charge', async () => {
    for (const conferenceId of ['conf-a', 'conf-b']) {
      const expected = await expectedBalanceAfter(conferenceId);
      expect(expected).not.toBeNull();
      expect(await balanceAfterMeeting(store.db, T, conferenceId)).toBe(expected);
    }
    // B's last charge came before A's last ones: the two differ.
    expect(await balanceAfterMeeting(store.db, T, 'conf-b')).not.toBe(await balanceAfterMeeting(store.db, T, 'conf-a'));
    expect(await balanceAfterMeeting(store.db, T, 'conf-c')).toBeNull();
    expect(await balanceAfterMeeting(store.db, T, 'no-such-meeting')).toBeNull();
    expect(await balanceAfterMeeting(store.db, 'tenant-other', 'conf-a')).toBeNull();
  });

  it("counts only entries that name the meeting's own legs, whatever their settled_seq", async () => {
    // A leg stored around intake with the settled_seq of one of meeting A's charged legs: it has no entry of its own.
    const a = await store.db.selectFrom('legs').selectAll().where('tenant_id', '=', T).where('id', '=', 'a-1049').executeTakeFirstOrThrow();
    await store.db.insertInto('legs').values({ ...a, id: 'dup-1', conference_id: 'conf-dup' }).execute();
    try {
      expect(await balanceAfterMeeting(store.db, T, 'conf-dup')).toBeNull();
      expect(await balanceAfterMeeting(store.db, T, 'conf-a')).toBe(await expectedBalanceAfter('conf-a'));
    } finally {
      await store.db.deleteFrom('legs').where('tenant_id', '=', T).where('id', '=', 'dup-1').execute();
    }
  });

  it("lists a meeting's legs in start order", async () => {
    const legs = await listLegs(store.db, T, { conferenceId: 'conf-b' });
    expect(legs.map((l) => l.id)).toEqual(Array.from({ length: 21 }, (_, k) => `b-${k * 50}`));
  });
});

describe('meeting look-ups use their indexes (SQLite query plans)', () => {
  it('legs by conference in order, and charge entries by leg, without scanning the tenant', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const store = await openStore(db.url);
      await store.close();
      const sqlite = new Database(db.url.slice('sqlite:'.length), { readonly: true });
      const plan = (q: string) => sqlite.prepare(`EXPLAIN QUERY PLAN ${q}`).all().map((r) => (r as { detail: string }).detail).join('\n');
      const legsPlan = plan("SELECT * FROM legs WHERE tenant_id = 't' AND conference_id = 'c' ORDER BY start_at, id");
      expect(legsPlan).toContain('legs_conference_start');
      expect(legsPlan).not.toContain('TEMP B-TREE');
      expect(plan("SELECT seq, balance_after_micros FROM ledger_entries WHERE tenant_id = 't' AND leg_seq IN (1, 2) AND kind = 'charge'")).toContain('ledger_entries_leg_seq');
      expect(plan("SELECT sum(amount_micros) FROM ledger_entries WHERE tenant_id = 't' AND leg_seq = 1 AND leg_id = 'a' AND kind = 'refund'")).toContain('ledger_entries_leg_seq');
      sqlite.close();
    } finally {
      await db.drop();
    }
  });
});

/**
 * Migration 0010 finds a leg's entries by the leg's settled_seq (ledger_entries.leg_seq) instead of its id: entries
 * stored before it get the seq of the leg they name, so the meeting card's balance and the refund limit read the same
 * entries as before.
 */
describeEachEngine('migration 0010: ledger entries get their leg\'s settled_seq', (engine) => {
  it('fills leg_seq for entries stored before it, and the look-ups by leg read them', async () => {
    const { store, cleanup } = await freshStore(engine);
    try {
      const { tollgate } = await setUpTenant(store, { fund: '50' });
      const legs = Array.from({ length: 30 }, (_, i) =>
        leg({ id: `m-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 90, start: new Date(Date.parse('2026-11-10T08:00:00Z') + i * 60_000).toISOString(), conferenceId: i % 3 === 0 ? 'conf-x' : 'conf-y' }),
      );
      const r = await tollgate.intake.ingest(T, legs);
      if (!r.ok) throw new Error(r.message);
      const refund = await tollgate.ledger.refund(T, 1000, 'admin', 'goodwill', 'm-4');
      expect(refund.ok).toBe(true);
      const balances = { x: await balanceAfterMeeting(store.db, T, 'conf-x'), y: await balanceAfterMeeting(store.db, T, 'conf-y') };
      expect(balances.x).not.toBeNull();
      expect(balances.y).not.toBe(balances.x);

      // The database as it was before 0010 (its down: no leg_seq, 0009's index by leg id), then 0010 on it.
      const anEntry = async () => (await sql<Record<string, unknown>>`SELECT * FROM ledger_entries WHERE tenant_id = ${T}`.execute(store.db)).rows[0]!;
      await intakeLedgerLegSeqMigration.down!(store.db);
      expect(Object.keys(await anEntry())).not.toContain('leg_seq');
      await intakeLedgerLegSeqMigration.up(store.db);
      expect(Object.keys(await anEntry())).toContain('leg_seq');

      const entries = await store.db.selectFrom('ledger_entries').select(['kind', 'leg_id', 'leg_seq']).where('tenant_id', '=', T).execute();
      const seqs = new Map((await store.db.selectFrom('legs').select(['id', 'settled_seq']).where('tenant_id', '=', T).execute()).map((l) => [l.id, Number(l.settled_seq)]));
      expect(entries.filter((e) => e.kind === 'charge')).toHaveLength(30);
      for (const e of entries) expect(e.leg_seq === null ? null : Number(e.leg_seq)).toBe(e.leg_id === null ? null : seqs.get(e.leg_id));
      expect(await balanceAfterMeeting(store.db, T, 'conf-x')).toBe(balances.x);
      expect(await balanceAfterMeeting(store.db, T, 'conf-y')).toBe(balances.y);
      // The refund stored before the migration still counts against the leg's charge.
      const charged = Number((await store.db.selectFrom('legs').select('charge_micros').where('tenant_id', '=', T).where('id', '=', 'm-4').executeTakeFirstOrThrow()).charge_micros);
      const over = await tollgate.ledger.refund(T, charged - 1000 + 1, 'admin', 'too much', 'm-4');
      expect(over.ok).toBe(false);
      if (!over.ok) expect(over.reason).toBe('refund_exceeds_charge');
      expect((await tollgate.ledger.refund(T, charged - 1000, 'admin', 'the rest', 'm-4')).ok).toBe(true);
      expect((await tollgate.ledger.checkInvariant(T))?.ok).toBe(true);
    } finally {
      await cleanup();
    }
  }, scaled(60_000));
});
