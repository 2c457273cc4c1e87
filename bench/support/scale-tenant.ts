import { sql } from 'kysely';
import type { Store } from '../../src/store/database';
import { rebuildSpendRollup } from '../../src/store/spend-rollup-store';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { BENCH_TENANT, generateWorkload, setUpBenchTenant, type Workload } from '../workload';

/**
 * A tenant with a million legs in one month, built in seconds rather than minutes: a template month of
 * `templateRecords` Graph records goes through the real intake (validation, rating, ledger, meeting rollups), then
 * its stored legs are copied in SQL, each copy with new leg, call and conference ids on the same days (and its meetings
 * moved to another organizer of the directory), until the tenant holds exactly `legs` legs. A copied leg keeps its
 * rating (made for its template's organizer): the reports read what is stored, whoever it was rated for. The
 * copies' meeting rollups are built from their legs, and the spend rollups of the whole tenant by the store's own
 * rebuild, so everything the reports read agrees with the legs. Only the ledger is not copied: nothing measured
 * here reads it.
 */
export interface ScaleTenant {
  tollgate: Tollgate;
  clock: FixedClock;
  workload: Workload;
  legs: number;
  ratedLegs: number;
  meetings: number;
  /** Seconds spent: template intake, copying the legs, rollups. */
  seconds: { template: number; copy: number; rollups: number };
}

export async function buildScaleTenant(
  store: Store,
  options: { legs: number; templateRecords: number; log: (line: string) => void },
): Promise<ScaleTenant> {
  const t0 = performance.now();
  const workload = generateWorkload(options.templateRecords, 2_000, 20261122);
  const { tollgate, clock } = await setUpBenchTenant(store, workload);
  for (let i = 0; i < workload.pages.length; i++) {
    const r = await tollgate.intake.ingest(BENCH_TENANT, workload.batch(i));
    if (!r.ok) throw new Error(`scale tenant: template intake failed: ${r.message}`);
  }
  const db = store.db;
  const count = async (rated = false) => {
    let q = db.selectFrom('legs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT);
    if (rated) q = q.where('status', '=', 'rated');
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const template = await count();
  const t1 = performance.now();
  options.log(`  template: ${template} legs through the intake in ${((t1 - t0) / 1000).toFixed(1)} s`);

  const copies = Math.ceil(options.legs / template) - 1;
  const maxSeq = Number((await db.selectFrom('legs').select((eb) => eb.fn.max('settled_seq').as('m')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow()).m);
  // Every column the legs table has now (others add columns): the copies keep whatever the template legs hold.
  const sample = await db.selectFrom('legs').selectAll().where('tenant_id', '=', BENCH_TENANT).limit(1).executeTakeFirstOrThrow();
  const columns = Object.keys(sample);
  const copied: Record<string, ReturnType<typeof sql>> = {
    id: sql`l.id || '#' || c.k`,
    call_id: sql`l.call_id || '#' || c.k`,
    conference_id: sql`l.conference_id || '#' || c.k`,
    settled_seq: sql`l.settled_seq + c.k * ${sql.lit(maxSeq)}`,
    // Each copy moves its meetings to another organizer of the directory (the next k-th): organizers then have
    // the mix of days, kinds and countries a tenant this size has, not 51 times one template's.
    organizer_id: sql`COALESCE(o2.aad_object_id, l.organizer_id)`,
    organizer_upn: sql`CASE WHEN o2.aad_object_id IS NULL THEN l.organizer_upn ELSE o2.upn END`,
    organizer_name: sql`CASE WHEN o2.aad_object_id IS NULL THEN l.organizer_name ELSE o2.display_name END`,
  };
  const select = sql.join(columns.map((c) => copied[c] ?? sql.ref(`l.${c}`)));
  const names = sql.join(columns.map((c) => sql.id(c)));
  if (store.engine === 'sqlite') {
    // Building only: a large page cache so the million-row indexes are not written out page by page. Put back
    // below, so what is measured runs with Tollgate's own settings.
    await sql`PRAGMA cache_size = -524288`.execute(db);
  }
  await store.inTransaction(async (tx) => {
    // One statement, in start order (copies of a leg side by side): the table ends up laid out as intake, which
    // stores legs as Graph pages them (by start time), would have laid it out.
    await sql`INSERT INTO legs (${names})
      WITH RECURSIVE copies(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM copies WHERE k < ${sql.lit(copies)}),
        organizers AS (SELECT aad_object_id, upn, display_name, ROW_NUMBER() OVER (ORDER BY aad_object_id) - 1 AS n FROM users WHERE tenant_id = ${BENCH_TENANT}),
        directory AS (SELECT COUNT(*) AS size FROM users WHERE tenant_id = ${BENCH_TENANT})
      SELECT ${select} FROM legs l CROSS JOIN copies c CROSS JOIN directory d
        LEFT JOIN organizers o ON o.aad_object_id = l.organizer_id
        LEFT JOIN organizers o2 ON o2.n = (o.n + c.k) % d.size
      WHERE l.tenant_id = ${BENCH_TENANT}
      ORDER BY l.start_at, c.k`.execute(tx);
    // Exactly `legs`: drop the surplus from the end of the last copy.
    const surplus = template * (copies + 1) - options.legs;
    if (surplus > 0) {
      await sql`DELETE FROM legs WHERE tenant_id = ${BENCH_TENANT} AND id IN (
        SELECT id FROM legs WHERE tenant_id = ${BENCH_TENANT} AND id LIKE ${`%#${copies}`} ORDER BY settled_seq DESC LIMIT ${sql.lit(surplus)})`.execute(tx);
    }
  });
  const t2 = performance.now();
  options.log(`  copied to ${await count()} legs in ${((t2 - t1) / 1000).toFixed(1)} s`);

  // The copies' meetings, as addToMeetings would have built them leg by leg (rated legs only).
  const now = clock.now().toISOString();
  await store.inTransaction(async (tx) => {
    await sql`INSERT INTO meetings (tenant_id, conference_id, organizer_id, legs, billed_seconds, pool_seconds, charge_micros,
        subscription_legs, pool_legs, credits_legs, addon_legs, flagged_legs, first_start_at, last_end_at, updated_at)
      SELECT tenant_id, conference_id, MIN(organizer_id), COUNT(*), SUM(billed_seconds), SUM(pool_seconds), SUM(charge_micros),
        SUM(CASE WHEN paid_by = 'subscription' THEN 1 ELSE 0 END), SUM(CASE WHEN paid_by = 'pool' THEN 1 ELSE 0 END),
        SUM(CASE WHEN paid_by = 'credits' THEN 1 ELSE 0 END), SUM(CASE WHEN paid_by = 'addon' THEN 1 ELSE 0 END),
        SUM(CASE WHEN flags <> '' THEN 1 ELSE 0 END), MIN(start_at), MAX(end_at), ${now}
      FROM legs WHERE tenant_id = ${BENCH_TENANT} AND status = 'rated' AND conference_id LIKE '%#%'
      GROUP BY tenant_id, conference_id`.execute(tx);
  });
  await store.inTransaction((tx) => rebuildSpendRollup(tx, BENCH_TENANT));
  if (store.engine === 'sqlite') await sql`PRAGMA cache_size = -2000`.execute(db);
  // PostgreSQL's autovacuum would analyze the tables soon after such a load; SQLite never does unless asked, and
  // Tollgate never asks, so the SQLite figures are those of a database without statistics.
  if (store.engine === 'postgres') await sql`ANALYZE`.execute(db);
  const t3 = performance.now();
  const meetings = Number((await db.selectFrom('meetings').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow()).n);
  options.log(`  meetings and rollups in ${((t3 - t2) / 1000).toFixed(1)} s (${meetings} meetings)`);
  return {
    tollgate,
    clock,
    workload,
    legs: await count(),
    ratedLegs: await count(true),
    meetings,
    seconds: { template: (t1 - t0) / 1000, copy: (t2 - t1) / 1000, rollups: (t3 - t2) / 1000 },
  };
}
