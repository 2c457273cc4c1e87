import { describeEachEngine, freshStore, type EngineName } from '../support/engines';
import { T, setUpTenant } from '../support/fixtures';
import { sql } from 'kysely';
import type { Db, Store } from '../../src/store/database';
import { silentLogger } from '../../src/observability/logger';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { readCallRecordBatches } from '../../src/usage/call-record-file';
import {
  countLegs,
  importSummary,
  killAllStartedClis,
  mixedLegs,
  sleep,
  startCli,
  tempDir,
  tenantSnapshot,
  writeGraphPage,
  type TenantSnapshot,
} from './support';
import { scaled } from '../support/time-scale';

/**
 * `tollgate calls import` of a 30,000-leg file is killed with SIGKILL three times part-way (no chance to clean
 * up, roll back or flush anything), then run again to completion. The result must be indistinguishable from one
 * clean import of the file into a fresh database: the same legs with the same payer, charge and pool seconds, the
 * same ledger entries in the same order, the same pool usage and meeting rollups.
 *
 * Why that can hold at all: the file is sorted by start time (then id), which is the order intake settles in
 * (it sorts each batch by start time), and with --batch 500 and intake's 500-leg chunks every transaction is exactly
 * 500 consecutive legs of the file. A kill leaves a whole number of committed chunks, i.e. a prefix of the file, and
 * the re-run skips that prefix as duplicates and settles the rest in the same order. The dial-out pool is the
 * order-sensitive part (the leg that finds the pool nearly empty is split between pool and credits); the pool is
 * sized to run out between the second and the third kill, so a re-run has to pick the pool up from what the killed
 * runs committed.
 *
 * After each kill the committed state is checked too: a prefix of whole chunks, and equal, row for row, to the
 * reference's first legs and entries (a kill between "leg stored" and "leg charged" would show up here).
 */
const LEGS = 30_000;
const CHUNK = 500;
/** Kill once at least this many legs are committed. */
const KILL_AT = [5_000, 13_000, 21_000];
const TENANT = { poolLicenses: 1_000, fund: '200', autoRecharge: { trigger: '25', amount: '100' } };

describeEachEngine('calls import killed with kill -9, then run again', (engine: EngineName) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    await killAllStartedClis();
    for (const c of cleanups.reverse()) await c();
  });

  async function tenantDatabase(): Promise<{ store: Store; url: string; tollgate: Tollgate }> {
    const { store, database, cleanup } = await freshStore(engine);
    cleanups.push(cleanup);
    // The CLI runs on the wall clock: set up at the wall clock's time so no funding lot looks expired to it.
    const { clock } = await setUpTenant(store, { now: new Date(), ...TENANT });
    // Chunks of 500, like the CLI's intake (setUpTenant's own handle uses 100).
    return { store, url: database.url, tollgate: createTollgate(store, clock, silentLogger, { chunkSize: CHUNK }) };
  }

  /**
   * One consistent read, so a commit still in flight when the importer died cannot land half-way through it:
   * REPEATABLE READ on PostgreSQL (one snapshot for the whole transaction), a read transaction on SQLite (WAL).
   */
  const snapshotOf = (store: Store): Promise<TenantSnapshot> =>
    (store.engine === 'postgres' ? store.db.transaction().setIsolationLevel('repeatable read') : store.db.transaction()).execute((tx) =>
      tenantSnapshot(tx as Db, T),
    );

  /**
   * PostgreSQL finishes what a dead client's backend was doing (a COMMIT it already received, or the rollback) on its
   * own time: wait until no other client session of this database is working, so the state read next is final.
   */
  async function untilKilledSessionEnded(store: Store): Promise<void> {
    if (store.engine !== 'postgres') return;
    for (let i = 0; i < 400; i++) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and state <> 'idle'`.execute(store.db);
      if (rows[0]!.n === 0) return;
      await sleep(25);
    }
    throw new Error('the killed importer\'s PostgreSQL session did not end within 10 s');
  }

  it(
    'ends exactly where one clean import of the same file ends',
    async () => {
      const files = tempDir('tollgate-crash-');
      cleanups.push(files.remove);
      const legs = mixedLegs(LEGS, 7);
      const file = writeGraphPage(`${files.dir}/legs.json`, legs);
      const ids = legs.map((l) => l.id as string);
      expect([...ids].sort()).toEqual(ids); // ids follow start times: the file is in settlement order

      // The reference: one clean import, in this process, read and batched exactly as the CLI does.
      const reference = await tenantDatabase();
      for await (const batch of readCallRecordBatches(file, CHUNK)) {
        const { records, rejected } = reference.tollgate.intake.validate(batch.records, batch.offset);
        expect(rejected).toEqual([]);
        const settled = await reference.tollgate.intake.settle(T, records);
        expect(settled.ok).toBe(true);
      }
      const ref = await snapshotOf(reference.store);
      expect(ref.legs).toHaveLength(LEGS);

      // The scenario covers what it claims to: every payer, and the pool running out between the 2nd and 3rd kill.
      const paidBy = new Set(ref.legs.map((l) => l.paidBy));
      expect([...paidBy].sort()).toEqual(['addon', 'credits', 'pool', 'subscription']);
      const split = ref.legs.filter((l) => l.pool! > 0 && l.credit! > 0);
      expect(split).toHaveLength(1);
      expect(split[0]!.settledSeq).toBeGreaterThan(KILL_AT[1]! + CHUNK);
      expect(split[0]!.settledSeq).toBeLessThan(KILL_AT[2]!);
      expect(ref.pool).toEqual([{ month: '2026-10', used: TENANT.poolLicenses * 3600 }]);
      expect(ref.entries.filter((e) => e.kind === 'auto_recharge').length).toBeGreaterThan(20);

      const crashed = await tenantDatabase();
      const args = ['calls', 'import', file, '--tenant', T, '--batch', String(CHUNK), '--json'];
      let committed = 0;
      for (const threshold of KILL_AT) {
        const run = startCli(args, crashed.url);
        let exited = false;
        void run.done.then(() => (exited = true));
        while (!exited && (await countLegs(crashed.store.db, T)) < threshold) await sleep(15);
        run.kill9();
        const result = await run.done;
        // Still running when killed: a kill after a finished import would prove nothing.
        expect({ signal: result.signal, stderr: result.signal ? '' : result.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });

        await untilKilledSessionEnded(crashed.store);
        const state = await snapshotOf(crashed.store);
        const n = state.legs.length;
        expect(n).toBeGreaterThanOrEqual(threshold);
        expect(n).toBeLessThan(LEGS);
        // Whole chunks only, and they are the first legs of the file, settled exactly as the clean import settled them.
        expect(n % CHUNK).toBe(0);
        expect(state.legs).toEqual(ref.legs.slice(0, n));
        expect(state.tenant.lastLegSeq).toBe(n);
        // The ledger is the reference's up to the last of these legs (with the recharge it may have fired), no more.
        const m = state.entries.length;
        expect(state.entries).toEqual(ref.entries.slice(0, m));
        const next = ref.entries[m]!;
        expect(next.kind).toBe('charge');
        expect(ids.indexOf(next.legId!)).toBeGreaterThanOrEqual(n);
        expect(state.tenant.balance).toBe(state.entries.reduce((s, e) => s + e.amount!, 0));
        expect(state.tenant.lastEntrySeq).toBe(m);
        // The pool and the rollups moved in the same transactions as the legs.
        expect(state.pool.reduce((s, p) => s + p.used!, 0)).toBe(state.legs.reduce((s, l) => s + l.pool!, 0));
        expect(state.meetings.reduce((s, x) => s + x.legs!, 0)).toBe(n);
        expect(state.meetings.reduce((s, x) => s + x.charge_micros!, 0)).toBe(state.legs.reduce((s, l) => s + l.charge!, 0));
        expect(await crashed.tollgate.ledger.checkInvariant(T)).toMatchObject({ ok: true });
        committed = n;
      }

      const last = await startCli(args, crashed.url).done;
      expect({ code: last.code, stderr: last.code === 0 ? '' : last.stderr }).toEqual({ code: 0, stderr: '' });
      expect(importSummary(last)).toMatchObject({ records: LEGS, accepted: LEGS - committed, duplicates: committed, conflicts: 0, rejected: [] });

      const final = await snapshotOf(crashed.store);
      expect(final.legs).toEqual(ref.legs);
      expect(final.entries).toEqual(ref.entries);
      expect(final.lots).toEqual(ref.lots);
      expect(final.pool).toEqual(ref.pool);
      expect(final.meetings).toEqual(ref.meetings);
      expect(final.tenant).toEqual(ref.tenant);
      const invariant = await crashed.tollgate.ledger.checkInvariant(T);
      expect(invariant).toMatchObject({ ok: true, cachedBalanceMicros: ref.tenant.balance });
    },
    scaled(150_000),
  );
});
