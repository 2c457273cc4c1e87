import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openStore, type Store } from '../src/store/database';
import type { LegRow } from '../src/store/leg-store';
import { silentLogger } from '../src/observability/logger';
import { FixedClock } from '../src/time/clock';
import { createTollgate, type Tollgate } from '../src/tollgate';
import { maxRssBytes, mib, rss } from './memory';
import { BENCH_NOW, BENCH_TENANT, generateWorkload, setUpBenchTenant, type Workload } from './workload';

/**
 * Intake throughput: a month of Graph call records through the whole intake path (validate → rate → post, one
 * transaction per chunk) into a real database, against an anchor measured in the same run: the same leg rows
 * written by the database driver alone, as fast as it can, in transactions of the same size.
 *
 * Targets (from the issue): whole path ≥ 40 % of raw better-sqlite3 on SQLite, ≥ 50 % of raw `pg` on PostgreSQL.
 */

export const TARGETS = { sqlite: 0.4, postgres: 0.5 } as const;

export interface IntakeBenchOptions {
  legs: number;
  /** Records per ingest call (a Graph page or an HTTP body); also the raw anchor's rows per transaction. */
  batchSize: number;
  engines: ('sqlite' | 'postgres')[];
  postgresUrl: string | undefined;
  /** How postgresUrl was chosen, for the report. */
  postgresUrlSource: string;
  tmpDir: string;
  log: (line: string) => void;
}

export interface RawFigure {
  rows: number;
  /** Median of the repetitions. */
  seconds: number;
  rowsPerSecond: number;
  /** This process's CPU time for the median run (for PostgreSQL the server's work is not in it). */
  cpuSeconds: number;
  loadAverage1m: number;
  reps: number;
  rowsPerTransaction: number;
  method: string;
}

export interface EngineFigures {
  engine: 'sqlite' | 'postgres';
  skipped?: string;
  server?: Record<string, string>;
  wholePath?: {
    seconds: number;
    legsIn: number;
    legsInPerSecond: number;
    committedLegs: number;
    committedLegsPerSecond: number;
    transactions: number;
    legsPerTransaction: number;
    /** Wall time inside the tenant transactions (dedupe, rating, ledger, inserts, commit) vs. outside (validation). */
    secondsInTransactions: number;
    secondsOutsideTransactions: number;
    cpuSeconds: number;
    loadAverage1m: number;
    batchMs: { p50: number; p95: number; max: number };
  };
  outcome?: Record<string, unknown>;
  raw?: RawFigure;
  /** The same rows in transactions of the intake's own size: how much of the gap is commit count. */
  rawAtIntakeTransactionSize?: RawFigure;
  ratio?: number;
  /**
   * Raw CPU seconds / whole-path CPU seconds for the same rows: the ratio a busy machine disturbs least (SQLite only:
   * on PostgreSQL most of the raw work is the server's).
   */
  cpuRatio?: number;
  target: number;
  pass?: boolean;
  peakRssMiB?: number;
}

export interface WorkloadSummary {
  legs: number;
  meetings: number;
  organizers: number;
  poolLicenses: number;
  mix: Record<string, number>;
  generateSeconds: number;
}

export interface IntakeBenchResult {
  config: { legs: number; batchSize: number; seed: number; tmpDir: string; isolation: string };
  workload: WorkloadSummary;
  /** validate() alone (schema, phone numbers, content hash), no database: the CPU floor of the path. */
  validateOnly: { legs: number; seconds: number; legsPerSecond: number };
  engines: EngineFigures[];
  /** Per child process: its own sampled peak and the kernel's high-water mark (the children run one at a time). */
  memory: Record<string, { peakRssMiBSampled: number; maxRssMiBKernel: number }>;
}

const SEED = 20261101;
/** The anchor takes seconds where the whole path takes a minute: repeat it, take the median, to damp a busy machine. */
const RAW_REPS = 5;

type Job = 'sqlite' | 'postgres' | 'validate';
interface JobResult {
  job: Job;
  workload: WorkloadSummary;
  engine?: EngineFigures;
  validateOnly?: IntakeBenchResult['validateOnly'];
  memory: { peakRssMiBSampled: number; maxRssMiBKernel: number };
}
type ChildOptions = Omit<IntakeBenchOptions, 'log' | 'engines'>;
type EngineOptions = Omit<IntakeBenchOptions, 'engines'>;

/**
 * Each engine (and validate() alone) runs in a child process of its own, one after the other: no run inherits
 * another's warmed-up JIT, grown heap or page cache, and each peak RSS is its own.
 */
export async function runIntakeThroughput(options: IntakeBenchOptions): Promise<IntakeBenchResult> {
  const { log, engines: engineNames, ...childOptions } = options;
  log(`each engine runs in a child process of its own (${[...engineNames, 'validate'].join(', ')})`);
  const results: JobResult[] = [];
  for (const job of [...engineNames, 'validate'] as Job[]) results.push(await runChild(job, childOptions));
  const first = results[0]!;
  return {
    config: { legs: options.legs, batchSize: options.batchSize, seed: SEED, tmpDir: options.tmpDir, isolation: 'one child process per engine' },
    workload: first.workload,
    validateOnly: results.find((r) => r.job === 'validate')!.validateOnly!,
    engines: results.filter((r) => r.engine).map((r) => r.engine!),
    memory: Object.fromEntries(results.map((r) => [r.job, r.memory])),
  };
}

function runChild(job: Job, options: ChildOptions): Promise<JobResult> {
  const out = path.join(options.tmpDir, `tollgate-bench-${job}-${randomBytes(4).toString('hex')}.json`);
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader flags, so the child runs this TypeScript file the way the parent runs.
    const child = spawn(process.execPath, [...process.execArgv, __filename, job, out], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_CHILD_OPTIONS: JSON.stringify(options) },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`bench child "${job}" exited with ${signal ?? code}`);
        resolve(JSON.parse(fs.readFileSync(out, 'utf8')) as JobResult);
      } catch (err) {
        reject(err);
      } finally {
        fs.rmSync(out, { force: true });
      }
    });
  });
}

async function childMain(job: Job, out: string): Promise<void> {
  const options = JSON.parse(process.env.BENCH_CHILD_OPTIONS ?? '{}') as ChildOptions;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  rss.start();
  log(`[${job}] generating ${options.legs.toLocaleString('en-US')} call records (batches of ${options.batchSize})…`);
  const t0 = performance.now();
  const workload = generateWorkload(options.legs, options.batchSize, SEED);
  const summary: WorkloadSummary = {
    legs: workload.legs,
    meetings: workload.meetings,
    organizers: workload.organizers.length,
    poolLicenses: workload.poolLicenses,
    mix: workload.mix,
    generateSeconds: round((performance.now() - t0) / 1000, 2),
  };
  const result: JobResult = { job, workload: summary, memory: { peakRssMiBSampled: 0, maxRssMiBKernel: 0 } };
  const full = { ...options, log };
  if (job === 'sqlite') result.engine = await sqliteFigures(workload, full);
  else if (job === 'postgres') result.engine = await postgresFigures(workload, full);
  else result.validateOnly = await validateOnly(workload, log);
  rss.stop();
  result.memory = { peakRssMiBSampled: mib(rss.peakBytes), maxRssMiBKernel: mib(maxRssBytes()) };
  fs.writeFileSync(out, JSON.stringify(result));
}

async function validateOnly(workload: Workload, log: (line: string) => void): Promise<IntakeBenchResult['validateOnly']> {
  log('[validate] validate() alone…');
  const scratch = await openStore('sqlite::memory:');
  const { intake } = createTollgate(scratch, new FixedClock(BENCH_NOW), silentLogger);
  let valid = 0;
  let validated = 0;
  let ms = 0;
  for (let i = 0; i < workload.pages.length; i++) {
    const batch = workload.batch(i);
    const t = performance.now();
    valid += intake.validate(batch).records.length;
    ms += performance.now() - t;
    validated += batch.length;
  }
  await scratch.close();
  if (valid === 0) throw new Error('validate() accepted nothing');
  return { legs: validated, seconds: round(ms / 1000, 3), legsPerSecond: Math.round(validated / (ms / 1000)) };
}

/**
 * Counts the tenant transactions the intake opens and the wall time spent inside them. Everything else the store
 * offers is inherited unchanged (Object.create), so the wrapper keeps up with the Store interface as it grows.
 */
function countingStore(store: Store) {
  const counters = { transactions: 0, ms: 0 };
  const inTenantTransaction: Store['inTenantTransaction'] = async (tenantId, fn) => {
    counters.transactions += 1;
    const t0 = performance.now();
    try {
      return await store.inTenantTransaction(tenantId, fn);
    } finally {
      counters.ms += performance.now() - t0;
    }
  };
  const wrapped = Object.assign(Object.create(store) as Store, { inTenantTransaction });
  return { store: wrapped, counters };
}

async function wholePath(store: Store, workload: Workload, log: (line: string) => void) {
  const counting = countingStore(store);
  const { tollgate } = await setUpBenchTenant(counting.store, workload);
  counting.counters.transactions = 0;
  counting.counters.ms = 0;

  const totals = { accepted: 0, duplicates: 0, conflicts: 0, ignored: 0, rejected: 0, charged: 0, chargedLegs: 0, autoRecharges: 0 };
  const rejectedReasons: Record<string, number> = {};
  const batchMs: number[] = [];
  rss.beginPhase();
  let cpuMicros = 0;
  for (let i = 0; i < workload.pages.length; i++) {
    // The records arrive parsed (JSON.parse is the HTTP layer's, not the intake's): only ingest() is timed.
    const batch = workload.batch(i);
    const cpu0 = process.cpuUsage();
    const b0 = performance.now();
    const result = await tollgate.intake.ingest(BENCH_TENANT, batch);
    batchMs.push(performance.now() - b0);
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    if (!result.ok) throw new Error(`intake refused a batch: ${result.reason}: ${result.message}`);
    const s = result.value;
    totals.accepted += s.accepted;
    totals.duplicates += s.duplicates;
    totals.conflicts += s.conflicts;
    totals.ignored += s.ignored;
    totals.rejected += s.rejected.length;
    totals.charged += s.charged;
    totals.chargedLegs += s.chargedLegs;
    totals.autoRecharges += s.autoRecharges;
    for (const r of s.rejected) rejectedReasons[r.reason] = (rejectedReasons[r.reason] ?? 0) + 1;
    rss.sample();
  }
  const seconds = batchMs.reduce((a, b) => a + b, 0) / 1000;
  const peak = rss.phasePeakBytes;
  const committed = totals.accepted + totals.ignored;
  log(`  whole path: ${fmt(workload.legs / seconds)} legs/s (${seconds.toFixed(2)} s, ${counting.counters.transactions} transactions)`);

  const sorted = [...batchMs].sort((a, b) => a - b);
  const q = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!, 1);
  const inTx = counting.counters.ms / 1000;
  return {
    tollgate,
    peak,
    totals,
    rejectedReasons,
    figures: {
      seconds: round(seconds, 3),
      legsIn: workload.legs,
      legsInPerSecond: Math.round(workload.legs / seconds),
      committedLegs: committed,
      committedLegsPerSecond: Math.round(committed / seconds),
      transactions: counting.counters.transactions,
      legsPerTransaction: Math.round(workload.legs / Math.max(1, counting.counters.transactions)),
      secondsInTransactions: round(inTx, 3),
      secondsOutsideTransactions: round(seconds - inTx, 3),
      /** This process's CPU time (user + system): well below the wall time means waiting on fsync, the server or the CPU. */
      cpuSeconds: round(cpuMicros / 1e6, 3),
      loadAverage1m: round(os.loadavg()[0]!, 2),
      batchMs: { p50: q(0.5), p95: q(0.95), max: q(1) },
    },
  };
}

/** What the run left in the database, and whether it adds up. */
async function outcome(tollgate: Tollgate, workload: Workload, totals: Awaited<ReturnType<typeof wholePath>>['totals'], rejectedReasons: Record<string, number>) {
  const db = tollgate.store.db;
  const byStatus = await db.selectFrom('legs').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).where('tenant_id', '=', BENCH_TENANT).groupBy('status').execute();
  const byPayer = await db.selectFrom('legs').select((eb) => ['paid_by', eb.fn.countAll<number>().as('n')]).where('tenant_id', '=', BENCH_TENANT).groupBy('paid_by').execute();
  const entries = await db.selectFrom('ledger_entries').select((eb) => ['kind', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('amount_micros').as('sum')]).where('tenant_id', '=', BENCH_TENANT).groupBy('kind').execute();
  const legCharges = await db.selectFrom('legs').select((eb) => eb.fn.sum<number>('charge_micros').as('sum')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow();
  const meetings = await db.selectFrom('meetings').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('legs').as('legs')]).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow();
  const legsWithConference = await db.selectFrom('legs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT).where('status', '=', 'rated').where('conference_id', 'is not', null).executeTakeFirstOrThrow();
  const pool = await db.selectFrom('pool_usage').select(['month', 'used_seconds']).where('tenant_id', '=', BENCH_TENANT).execute();
  // The leg that drained the pool mid-call: part pool, part credits.
  const drained = await db.selectFrom('legs').select('settled_seq').where('tenant_id', '=', BENCH_TENANT).where('pool_seconds', '>', 0).where('credit_seconds', '>', 0).orderBy('settled_seq').limit(1).executeTakeFirst();
  const invariant = await tollgate.ledger.checkInvariant(BENCH_TENANT);

  const count = (rows: { n: unknown }[], pick: (r: any) => boolean) => rows.filter(pick).reduce((s, r) => s + Number(r.n), 0);
  const rated = count(byStatus, (r) => r.status === 'rated');
  const ignored = count(byStatus, (r) => r.status === 'ignored');
  const chargeEntries = entries.find((e) => e.kind === 'charge');
  const poolTotal = workload.poolLicenses * 3600;
  const poolUsed = pool.reduce((s, p) => s + Number(p.used_seconds), 0);
  const checks: Record<string, boolean> = {
    'every record accounted for': rated + ignored + totals.rejected === workload.legs && totals.duplicates === 0 && totals.conflicts === 0,
    'summary matches stored legs': rated === totals.accepted && ignored === totals.ignored,
    'one charge entry per charged leg': Number(chargeEntries?.n ?? 0) === totals.chargedLegs,
    'charges equal leg charges': -Number(chargeEntries?.sum ?? 0) === Number(legCharges.sum ?? 0) && Number(legCharges.sum ?? 0) === totals.charged,
    'rollups cover every meeting leg': Number(meetings.legs ?? 0) === Number(legsWithConference.n),
    'pool ran out part-way': poolUsed === poolTotal && drained !== undefined,
    'ledger invariant': invariant?.ok === true,
  };
  return {
    legsRated: rated,
    legsIgnored: ignored,
    rejected: totals.rejected,
    rejectedReasons,
    paidBy: Object.fromEntries(byPayer.map((r) => [r.paid_by ?? '(ignored)', Number(r.n)])),
    chargedUsd: round(totals.charged / 1e6, 2),
    chargedLegs: totals.chargedLegs,
    autoRecharges: totals.autoRecharges,
    ledgerEntries: Object.fromEntries(entries.map((e) => [e.kind, Number(e.n)])),
    meetings: Number(meetings.n),
    pool: {
      licenses: workload.poolLicenses,
      totalSeconds: poolTotal,
      usedSeconds: poolUsed,
      drainedAtLeg: drained ? Number(drained.settled_seq) : null,
      drainedAtFraction: drained ? round(Number(drained.settled_seq) / (rated + ignored), 3) : null,
    },
    checks,
    allChecksPass: Object.values(checks).every(Boolean),
  };
}

// ---------------------------------------------------------------- SQLite

async function sqliteFigures(workload: Workload, options: EngineOptions): Promise<EngineFigures> {
  const { log } = options;
  const dir = fs.mkdtempSync(path.join(options.tmpDir, 'tollgate-bench-'));
  try {
    log(`[sqlite] SQLite (WAL, synchronous=FULL) in ${dir}`);
    const file = path.join(dir, 'intake.db');
    const store = await openStore(`sqlite:${file}`);
    let run: Awaited<ReturnType<typeof wholePath>>;
    let result: Awaited<ReturnType<typeof outcome>>;
    try {
      run = await wholePath(store, workload, log);
      result = await outcome(run.tollgate, workload, run.totals, run.rejectedReasons);
    } finally {
      await store.close();
    }

    const source = new BetterSqlite3(file, { readonly: true });
    const sqliteVersion = (source.prepare('select sqlite_version() as v').get() as { v: string }).v;
    const rows = source.prepare('SELECT * FROM legs ORDER BY settled_seq').all() as LegRow[];
    source.close();

    const raw = await medianOf(RAW_REPS, () => rawSqlite(dir, rows, options.batchSize));
    log(`  raw better-sqlite3: ${fmt(raw.rowsPerSecond)} rows/s`);
    const perTx = run.figures.legsPerTransaction;
    const rawAtChunk = perTx !== options.batchSize ? await medianOf(1, () => rawSqlite(dir, rows, perTx)) : undefined;

    const ratio = run.figures.committedLegsPerSecond / raw.rowsPerSecond;
    return {
      engine: 'sqlite',
      cpuRatio: round(raw.cpuSeconds / run.figures.cpuSeconds, 4),
      server: { sqlite: sqliteVersion, journal_mode: 'wal', synchronous: 'FULL', file: path.join(dir, '*.db') },
      wholePath: run.figures,
      outcome: result,
      raw,
      rawAtIntakeTransactionSize: rawAtChunk,
      ratio: round(ratio, 4),
      target: TARGETS.sqlite,
      pass: ratio >= TARGETS.sqlite,
      peakRssMiB: mib(run.peak),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same rows into a fresh copy of the schema (same table, same indexes): one prepared INSERT, batched transactions. */
async function rawSqlite(dir: string, rows: LegRow[], rowsPerTransaction: number): Promise<RawFigure> {
  const file = path.join(dir, `raw-${randomBytes(4).toString('hex')}.db`);
  const schema = await openStore(`sqlite:${file}`); // the migrations: the very schema the intake wrote into
  await schema.close();
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const columns = Object.keys(rows[0]!);
    const insert = db.prepare(`INSERT INTO legs (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
    const insertMany = db.transaction((batch: LegRow[]) => {
      for (const row of batch) insert.run(row);
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += rowsPerTransaction) insertMany.immediate(rows.slice(i, i + rowsPerTransaction));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    rss.sample();
    const stored = (db.prepare('SELECT count(*) AS n FROM legs').get() as { n: number }).n;
    if (stored !== rows.length) throw new Error(`raw insert stored ${stored} of ${rows.length} rows`);
    return rawFigure(rows.length, seconds, cpu, rowsPerTransaction, 'better-sqlite3 prepared INSERT, one row per run(), BEGIN IMMEDIATE … COMMIT');
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** PostgreSQL allows 65,535 bind parameters per statement. */
const PG_MAX_PARAMS = 65_535;
/** Measured here: 250 to 2,000 rows per statement are within noise of each other; 1,000 is at the top. */
const PG_ROWS_PER_STATEMENT = 1_000;

async function postgresFigures(workload: Workload, options: EngineOptions): Promise<EngineFigures> {
  const { log } = options;
  const base = { engine: 'postgres' as const, target: TARGETS.postgres };
  if (!options.postgresUrl) return { ...base, skipped: 'no PostgreSQL URL (set BENCH_DATABASE_URL or TEST_DATABASE_URL)' };
  const shown = redact(options.postgresUrl);

  let server: Record<string, string>;
  const probe = new pg.Client({ connectionString: options.postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await probe.connect();
    const r = await probe.query(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('fsync') AS fsync, current_setting('wal_level') AS wal_level, current_setting('shared_buffers') AS shared_buffers`,
    );
    server = { ...(r.rows[0] as Record<string, string>), url: shown, urlFrom: options.postgresUrlSource };
  } catch (err) {
    return { ...base, skipped: `PostgreSQL not reachable at ${shown} (${options.postgresUrlSource}): ${(err as Error).message}` };
  } finally {
    await probe.end().catch(() => undefined);
  }

  const created: string[] = [];
  const createDatabase = async (): Promise<string> => {
    const name = `tollgate_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    created.push(name);
    const url = new URL(options.postgresUrl!);
    url.pathname = `/${name}`;
    return url.toString();
  };

  try {
    const url = await createDatabase();
    log(`[postgres] PostgreSQL ${server.version} at ${shown}, fresh database ${created[0]}`);
    const store = await openStore(url);
    let run: Awaited<ReturnType<typeof wholePath>>;
    let result: Awaited<ReturnType<typeof outcome>>;
    let rows: LegRow[];
    try {
      run = await wholePath(store, workload, log);
      result = await outcome(run.tollgate, workload, run.totals, run.rejectedReasons);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        rows = (await c.query('SELECT * FROM legs ORDER BY settled_seq')).rows as LegRow[];
      } finally {
        await c.end();
      }
    } finally {
      await store.close();
    }

    const rawUrl = await createDatabase();
    const schema = await openStore(rawUrl); // the migrations: the very schema the intake wrote into
    await schema.close();
    const raw = await medianOf(RAW_REPS, () => rawPostgres(rawUrl, rows, options.batchSize));
    log(`  raw pg multi-row INSERT: ${fmt(raw.rowsPerSecond)} rows/s`);
    const perTx = run.figures.legsPerTransaction;
    const rawAtChunk = perTx !== options.batchSize ? await medianOf(1, () => rawPostgres(rawUrl, rows, perTx)) : undefined;

    const ratio = run.figures.committedLegsPerSecond / raw.rowsPerSecond;
    return {
      ...base,
      server,
      wholePath: run.figures,
      outcome: result,
      raw,
      rawAtIntakeTransactionSize: rawAtChunk,
      ratio: round(ratio, 4),
      pass: ratio >= TARGETS.postgres,
      peakRssMiB: mib(run.peak),
    };
  } finally {
    for (const name of created) {
      const admin = new pg.Client({ connectionString: options.postgresUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
  }
}

/** Multi-row INSERTs through one pg client (named, so parsed once), one transaction per batch. */
async function rawPostgres(url: string, rows: LegRow[], rowsPerTransaction: number): Promise<RawFigure> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE legs');
    const columns = Object.keys(rows[0]!);
    const perStatement = Math.min(rowsPerTransaction, PG_ROWS_PER_STATEMENT, Math.floor(PG_MAX_PARAMS / columns.length));
    const statementFor = (n: number) =>
      `INSERT INTO legs (${columns.join(', ')}) VALUES ` +
      Array.from({ length: n }, (_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    const texts = new Map<number, string>();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += rowsPerTransaction) {
      const batch = rows.slice(i, i + rowsPerTransaction);
      await client.query('BEGIN');
      for (let j = 0; j < batch.length; j += perStatement) {
        const part = batch.slice(j, j + perStatement);
        const values: unknown[] = [];
        for (const row of part) for (const c of columns) values.push((row as unknown as Record<string, unknown>)[c]);
        let text = texts.get(part.length);
        if (!text) texts.set(part.length, (text = statementFor(part.length)));
        // A named statement is parsed and planned once per connection, like better-sqlite3's prepared statement.
        await client.query({ name: `raw_legs_${part.length}`, text, values });
      }
      await client.query('COMMIT');
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    rss.sample();
    const stored = Number((await client.query('SELECT count(*) AS n FROM legs')).rows[0].n);
    if (stored !== rows.length) throw new Error(`raw insert stored ${stored} of ${rows.length} rows`);
    return rawFigure(rows.length, seconds, cpu, rowsPerTransaction, `pg multi-row INSERT, ${perStatement} rows per named statement, BEGIN … COMMIT`);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- helpers

function rawFigure(rows: number, seconds: number, cpu: NodeJS.CpuUsage, rowsPerTransaction: number, method: string): RawFigure {
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    rows,
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(rows / seconds),
    cpuSeconds: round(cpuSeconds, 3),
    loadAverage1m: round(os.loadavg()[0]!, 2),
    reps: 1,
    rowsPerTransaction,
    method,
  };
}

/** The anchor is short, so it is run a few times (each into an empty table) and the median taken. */
async function medianOf(reps: number, run: () => Promise<RawFigure>): Promise<RawFigure> {
  const results: RawFigure[] = [];
  for (let i = 0; i < reps; i++) results.push(await run());
  results.sort((a, b) => a.seconds - b.seconds);
  return { ...results[Math.floor(reps / 2)]!, reps };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function defaultTmpDir(): string {
  return process.env.BENCH_TMPDIR || os.tmpdir();
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

if (require.main === module) {
  const [job, out] = process.argv.slice(2) as [Job, string];
  childMain(job, out)
    .then(() => process.exit(0))
    .catch((err) => {
      process.stderr.write(`bench child ${job} failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
