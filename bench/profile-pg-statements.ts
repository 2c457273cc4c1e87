import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore } from '../src/store/database';
import { CopyIn } from '../src/store/pg-copy';
import { processCpuSeconds } from './memory';
import { BENCH_TENANT, generateWorkload, setUpBenchTenant } from './workload';
import { monthWorkload } from './fraud-guard';
import { createTollgate, type Tollgate } from '../src/tollgate';
import { FixedClock } from '../src/time/clock';
import { silentLogger } from '../src/observability/logger';

/**
 * Where the PostgreSQL intake path waits on the server: every statement the intake sends, grouped by kind, with its
 * count, bound parameters, bytes sent and the time from sending it to its answer (the server's work plus the round
 * trip; inside one transaction nothing else is queued on the connection) and, when the server runs on this machine,
 * the server process's CPU time meanwhile (/proc/PID/schedstat): against this process's CPU time. Reading /proc per
 * statement costs this process a little CPU; the server's figures are not disturbed by it.
 *
 *   BENCH_LEGS=100000 npx tsx bench/profile-pg-statements.ts          # PROFILE_DATABASE_URL, else TEST_DATABASE_URL
 *   PROFILE_WORKLOAD=month npx tsx bench/profile-pg-statements.ts      # the fraud guard's month (bench/fraud-guard.ts)
 *   PROFILE_WORKLOAD=month PROFILE_GUARD=off npx tsx bench/profile-pg-statements.ts   # the same without the guard
 *
 * It creates a scratch database on that server and drops it afterwards.
 */

interface Kind {
  count: number;
  ms: number;
  /** The server process's CPU time while the statement ran (its schedstat), when the server runs on this machine. */
  serverMs: number;
  params: number;
  textBytes: number;
  valueBytes: number;
}

/** A statement's kind: its verb and table, so every chunk's statements of one kind group together. */
function kindOf(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  const verb = t.split(' ')[0]!.toLowerCase();
  const table = /(?:from|into|update|table) "?([a-z_]+)"?/i.exec(t)?.[1] ?? '';
  if (verb === 'select' && /for update/i.test(t)) return `select ${table} for update`;
  if (verb === 'insert' && /on conflict/i.test(t)) return `upsert ${table}`;
  if (verb === 'copy') return `copy ${/^copy "?([a-z_]+)"?/i.exec(t)?.[1] ?? ''}`;
  return `${verb} ${table}`.trim();
}

function valueBytes(values: unknown): number {
  if (!Array.isArray(values)) return 0;
  let n = 0;
  for (const v of values) n += typeof v === 'string' ? v.length : v === null || v === undefined ? 0 : String(v).length;
  return n;
}

/** CPU time of a server process so far, ms; NaN when unreadable (see processCpuSeconds). */
function processCpuMs(pid: number | null): number {
  const s = pid ? processCpuSeconds(pid) : undefined;
  return s === undefined ? NaN : s * 1000;
}

/** CPU seconds used so far by each server process serving `database` (empty when the server is elsewhere). */
async function serverCpu(admin: pg.Client, database: string): Promise<Map<number, number>> {
  const cpu = new Map<number, number>();
  const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  for (const { pid } of rows as { pid: number }[]) {
    const ms = processCpuMs(pid);
    if (!Number.isNaN(ms)) cpu.set(pid, ms / 1000);
  }
  return cpu;
}

async function main(): Promise<void> {
  const base = process.env.PROFILE_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const batchSize = Number(process.env.BENCH_BATCH ?? 2_000);
  const month = process.env.PROFILE_WORKLOAD === 'month';
  const guard = process.env.PROFILE_GUARD !== 'off';
  const intake = month ? monthWorkload(4, batchSize) : undefined;
  const workload = month ? undefined : generateWorkload(Number(process.env.BENCH_LEGS ?? 30_000), batchSize);
  const legs = intake?.legs ?? workload!.legs;

  const name = `tollgate_profile_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;

  const kinds = new Map<string, Kind>();
  let recording = false;
  // Every query of every pooled client: time from query() to its answer.
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: unknown }).query = function query(this: pg.Client, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (!recording || !(result instanceof Promise)) return result;
    const config = args[0] as string | { text: string; values?: unknown[] };
    const text = typeof config === 'string' ? config : config.text;
    const values = (typeof config === 'string' ? args[1] : config.values ?? args[1]) as unknown[] | undefined;
    const pid = (this as unknown as { processID: number | null }).processID;
    const s0 = processCpuMs(pid);
    const t0 = performance.now();
    const k = kindOf(text);
    let entry = kinds.get(k);
    if (!entry) kinds.set(k, (entry = { count: 0, ms: 0, serverMs: 0, params: 0, textBytes: 0, valueBytes: 0 }));
    entry.count += 1;
    entry.params += values?.length ?? 0;
    entry.textBytes += text.length;
    entry.valueBytes += valueBytes(values);
    const done = entry;
    return result.then(
      (r) => {
        done.ms += performance.now() - t0;
        done.serverMs += processCpuMs(pid) - s0;
        return r;
      },
      (e) => {
        done.ms += performance.now() - t0;
        done.serverMs += processCpuMs(pid) - s0;
        throw e;
      },
    );
  };

  // COPY runs outside pg's query(): its submittable's run() is timed instead.
  const run = CopyIn.prototype.run;
  CopyIn.prototype.run = function timedRun(this: CopyIn, client: pg.Client) {
    if (!recording) return run.call(this, client);
    const k = kindOf(this.text);
    let entry = kinds.get(k);
    if (!entry) kinds.set(k, (entry = { count: 0, ms: 0, serverMs: 0, params: 0, textBytes: 0, valueBytes: 0 }));
    entry.count += 1;
    entry.textBytes += this.text.length;
    const pid = (client as unknown as { processID: number | null }).processID;
    const s0 = processCpuMs(pid);
    const t0 = performance.now();
    const done = entry;
    return run.call(this, client).finally(() => {
      done.textBytes += this.dataBytes; // known once sent: the data is made as it goes out
      done.ms += performance.now() - t0;
      done.serverMs += processCpuMs(pid) - s0;
    });
  };

  const store = await openStore(url.toString());
  try {
    let batches: number;
    let batch: (i: number) => { tenantId: string; records: Record<string, unknown>[] };
    let tollgate: Tollgate;
    if (intake) {
      await intake.setUp(store);
      tollgate = createTollgate(store, new FixedClock(intake.now), silentLogger, guard ? {} : { fraudGuard: false });
      batches = intake.batches;
      batch = (i) => intake.batch(i);
    } else {
      tollgate = (await setUpBenchTenant(store, workload!)).tollgate;
      batches = workload!.pages.length;
      batch = (i) => ({ tenantId: BENCH_TENANT, records: workload!.batch(i) });
    }
    const server0 = await serverCpu(admin, name);
    recording = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < batches; i++) {
      const { tenantId, records } = batch(i);
      const r = await tollgate.intake.ingest(tenantId, records);
      if (!r.ok) throw new Error(r.message);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    recording = false;
    const server1 = await serverCpu(admin, name);
    let serverSeconds = 0;
    for (const [pid, s1] of server1) serverSeconds += s1 - (server0.get(pid) ?? 0);
    const rows = [...kinds.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const waited = rows.reduce((s, [, k]) => s + k.ms, 0) / 1000;
    const chunks = batches;
    const lines = [
      `PostgreSQL intake${intake ? `, the fraud guard's month, guard ${guard ? 'on' : 'off'}` : ''}: ${legs} legs in ${seconds.toFixed(2)} s = ${Math.round(legs / seconds)} legs/s, ${chunks} ingest calls`,
      `  this process's CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; waiting on statements: ${waited.toFixed(2)} s; ` +
        `server processes' CPU: ${server1.size > 0 ? `${serverSeconds.toFixed(2)} s` : 'not readable (remote server)'}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      `  statements: ${rows.reduce((s, [, k]) => s + k.count, 0)} (${(rows.reduce((s, [, k]) => s + k.count, 0) / chunks).toFixed(1)} per ingest call)`,
      '',
      `${'statement'.padEnd(34)} ${'count'.padStart(6)} ${'per call'.padStart(8)} ${'ms total'.padStart(9)} ${'ms each'.padStart(8)} ${'server CPU ms'.padStart(13)} ${'params each'.padStart(11)} ${'KiB sent each'.padStart(13)}`,
      ...rows.map(([k, v]) =>
        `${k.padEnd(34)} ${String(v.count).padStart(6)} ${(v.count / chunks).toFixed(1).padStart(8)} ${v.ms.toFixed(0).padStart(9)} ${(v.ms / v.count).toFixed(2).padStart(8)} ${v.serverMs.toFixed(0).padStart(13)} ` +
        `${(v.params / v.count).toFixed(0).padStart(11)} ${((v.textBytes + v.valueBytes) / v.count / 1024).toFixed(1).padStart(13)}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
