import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../src/store/database';
import { silentLogger } from '../src/observability/logger';
import { FixedClock } from '../src/time/clock';
import { createTollgate } from '../src/tollgate';
import { FraudGuard } from '../src/fraud/fraud-guard';
import type { SettledLegsHook } from '../src/usage/intake';
import { BENCH_NOW, BENCH_TENANT, generateWorkload, setUpBenchTenant, type Workload } from './workload';

/**
 * What the toll-fraud guard costs intake: the intake benchmark's month of call records through
 * `tollgate.intake.ingest`, with the guard off and on, in the same process, alternating off, on, on, off so a machine
 * getting busier or a warming JIT favours neither. Each run starts from an empty database. The guard's cost: the time
 * inside its hook against the rest of ingest in the same runs (what PASS/FAIL goes by: a busy machine slows both
 * alike), and the on/off ratios of ingest wall time and of this process's CPU time. Target (issue 6): under 10 %.
 *
 * Environment: BENCH_FRAUD_LEGS (default: BENCH_LEGS, 100000), BENCH_BATCH, BENCH_ENGINES (sqlite,postgres), BENCH_DATABASE_URL.
 */

export const FRAUD_GUARD_TARGET = 0.1;
const ORDER = ['off', 'on', 'on', 'off'] as const;

export interface GuardRun {
  guard: 'off' | 'on';
  seconds: number;
  cpuSeconds: number;
  legsPerSecond: number;
  incidents: number;
  /** Time inside the guard's hook (guard on), and this process's CPU time in it. */
  hookSeconds: number;
  hookCpuSeconds: number;
}

export interface FraudGuardEngineFigures {
  engine: 'sqlite' | 'postgres';
  skipped?: string;
  runs?: GuardRun[];
  /** Mean of the runs per mode. */
  off?: { seconds: number; cpuSeconds: number; legsPerSecond: number };
  on?: { seconds: number; cpuSeconds: number; legsPerSecond: number };
  /** on / off - 1, wall time in ingest. */
  overhead?: number;
  /** on / off - 1, this process's CPU time (on PostgreSQL the server's work is not in it). */
  cpuOverhead?: number;
  /**
   * Time inside the guard's hook / the rest of ingest, in the same runs (guard on): what the guard adds, measured
   * where a busy machine cannot tell the two apart. The steadiest of the three figures.
   */
  hookShare?: number;
  /** The same by this process's CPU time (on PostgreSQL the server's work for the guard is not in it). */
  hookCpuShare?: number;
  incidentsOpened?: number;
  pass?: boolean;
}

export interface FraudGuardBenchResult {
  legs: number;
  batchSize: number;
  target: number;
  engines: FraudGuardEngineFigures[];
}

async function ingestAll(store: Store, workload: Workload, guard: boolean): Promise<{ seconds: number; cpuSeconds: number; hookSeconds: number; hookCpuSeconds: number }> {
  // The guard as createTollgate builds it, its hook timed: the share of ingest spent in it is measured in the very
  // run, so a busy machine slows both alike.
  const fraud = new FraudGuard(store, silentLogger);
  let hookMs = 0;
  let hookCpu = 0;
  const onSettled: SettledLegsHook = async (...args) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      await fraud.onSettled(...args);
    } finally {
      hookMs += performance.now() - t0;
      const c = process.cpuUsage(c0);
      hookCpu += c.user + c.system;
    }
  };
  const tollgate = createTollgate(store, new FixedClock(BENCH_NOW), silentLogger, guard ? { onSettled } : { fraudGuard: false });
  let ms = 0;
  let cpu = 0;
  for (let i = 0; i < workload.pages.length; i++) {
    const batch = workload.batch(i);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await tollgate.intake.ingest(BENCH_TENANT, batch);
    ms += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    if (!r.ok) throw new Error(`intake refused a batch: ${r.message}`);
  }
  return { seconds: ms / 1000, cpuSeconds: cpu / 1e6, hookSeconds: hookMs / 1000, hookCpuSeconds: hookCpu / 1e6 };
}

async function oneRun(url: string, workload: Workload, guard: 'off' | 'on'): Promise<GuardRun> {
  const store = await openStore(url);
  try {
    await setUpBenchTenant(store, workload);
    const t = await ingestAll(store, workload, guard === 'on');
    const n = await store.db.selectFrom('fraud_incidents').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow();
    return { guard, seconds: round(t.seconds, 3), cpuSeconds: round(t.cpuSeconds, 3), legsPerSecond: Math.round(workload.legs / t.seconds), incidents: Number(n.n), hookSeconds: round(t.hookSeconds, 3), hookCpuSeconds: round(t.hookCpuSeconds, 3) };
  } finally {
    await store.close();
  }
}

function summarize(engine: 'sqlite' | 'postgres', runs: GuardRun[]): FraudGuardEngineFigures {
  const mean = (mode: 'off' | 'on') => {
    const rs = runs.filter((r) => r.guard === mode);
    const seconds = rs.reduce((s, r) => s + r.seconds, 0) / rs.length;
    const cpuSeconds = rs.reduce((s, r) => s + r.cpuSeconds, 0) / rs.length;
    return { seconds: round(seconds, 3), cpuSeconds: round(cpuSeconds, 3), legsPerSecond: Math.round(rs.reduce((s, r) => s + r.legsPerSecond, 0) / rs.length) };
  };
  const off = mean('off');
  const on = mean('on');
  const overhead = round(on.seconds / off.seconds - 1, 4);
  const onRuns = runs.filter((r) => r.guard === 'on');
  const hook = onRuns.reduce((s, r) => s + r.hookSeconds, 0);
  const hookShare = round(hook / (onRuns.reduce((s, r) => s + r.seconds, 0) - hook), 4);
  const hookCpu = onRuns.reduce((s, r) => s + r.hookCpuSeconds, 0);
  const hookCpuShare = round(hookCpu / (onRuns.reduce((s, r) => s + r.cpuSeconds, 0) - hookCpu), 4);
  return {
    engine,
    runs,
    off,
    on,
    overhead,
    cpuOverhead: round(on.cpuSeconds / off.cpuSeconds - 1, 4),
    hookShare,
    hookCpuShare,
    incidentsOpened: runs.find((r) => r.guard === 'on')?.incidents ?? 0,
    pass: hookShare < FRAUD_GUARD_TARGET,
  };
}

export async function runFraudGuardBench(options: {
  legs: number;
  batchSize: number;
  engines: ('sqlite' | 'postgres')[];
  postgresUrl: string | undefined;
  tmpDir: string;
  log: (line: string) => void;
}): Promise<FraudGuardBenchResult> {
  const { log } = options;
  log(`fraud guard: generating ${options.legs.toLocaleString('en-US')} call records…`);
  const workload = generateWorkload(options.legs, options.batchSize);
  const engines: FraudGuardEngineFigures[] = [];
  // Once per process, not per leg: the JIT, and ICU's time-zone data behind Intl (the guard's night hours). A short
  // unmeasured run of both kinds first, so neither measured run pays for them.
  const warmUp = { ...workload, pages: workload.pages.slice(0, 5), legs: Math.min(workload.legs, 5 * options.batchSize) };
  for (const guard of ['on', 'off'] as const) await oneRun('sqlite::memory:', warmUp, guard);
  for (const engine of options.engines) {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(options.tmpDir, 'tollgate-fraud-bench-'));
      try {
        const runs: GuardRun[] = [];
        for (const [i, guard] of ORDER.entries()) {
          runs.push(await oneRun(`sqlite:${path.join(dir, `run-${i}.db`)}`, workload, guard));
          log(`  [sqlite] guard ${guard}: ${runs[runs.length - 1]!.legsPerSecond.toLocaleString('en-US')} legs/s`);
        }
        engines.push(summarize('sqlite', runs));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      continue;
    }
    if (!options.postgresUrl) {
      engines.push({ engine, skipped: 'no PostgreSQL URL (set BENCH_DATABASE_URL or TEST_DATABASE_URL)' });
      continue;
    }
    const created: string[] = [];
    try {
      const runs: GuardRun[] = [];
      for (const guard of ORDER) {
        const name = `tollgate_fraud_bench_${randomBytes(5).toString('hex')}`;
        await admin(options.postgresUrl, `CREATE DATABASE ${name}`);
        created.push(name);
        const url = new URL(options.postgresUrl);
        url.pathname = `/${name}`;
        runs.push(await oneRun(url.toString(), workload, guard));
        log(`  [postgres] guard ${guard}: ${runs[runs.length - 1]!.legsPerSecond.toLocaleString('en-US')} legs/s`);
      }
      engines.push(summarize('postgres', runs));
    } catch (err) {
      engines.push({ engine, skipped: `PostgreSQL not usable: ${(err as Error).message}` });
    } finally {
      for (const name of created) await admin(options.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    }
  }
  return { legs: workload.legs, batchSize: options.batchSize, target: FRAUD_GUARD_TARGET, engines };
}

async function admin(url: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

const pct = (r: number | undefined) => (r === undefined ? '-' : `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)} %`);

/** The section of `npm run bench`'s report. */
export function fraudGuardReport(r: FraudGuardBenchResult): string {
  const out = [`Toll-fraud guard: ${r.legs.toLocaleString('en-US')} call records through ingest, guard off and on (runs alternate off, on, on, off)`];
  for (const e of r.engines) {
    if (e.skipped) {
      out.push(`  ${e.engine}: SKIPPED: ${e.skipped}`);
      continue;
    }
    out.push(
      `  ${e.engine.padEnd(8)} off ${e.off!.legsPerSecond.toLocaleString('en-US')} legs/s, on ${e.on!.legsPerSecond.toLocaleString('en-US')} legs/s: ` +
        `guard hook ${pct(e.hookShare)} of the rest of ingest's time (target < ${(r.target * 100).toFixed(0)} %: ${e.pass ? 'PASS' : 'FAIL'}), ${pct(e.hookCpuShare)} of its CPU; ` +
        `on vs off runs ${pct(e.overhead)} wall, ${pct(e.cpuOverhead)} CPU; ` +
        `${e.incidentsOpened} incidents opened`,
    );
  }
  return out.join('\n');
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** `npx tsx bench/fraud-guard.ts`: this benchmark alone. */
if (require.main === module) {
  const legs = Number(process.env.BENCH_FRAUD_LEGS ?? process.env.BENCH_LEGS ?? 100_000);
  const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as ('sqlite' | 'postgres')[];
  runFraudGuardBench({
    legs,
    batchSize: Number(process.env.BENCH_BATCH ?? 2000),
    engines,
    postgresUrl: process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL,
    tmpDir: process.env.BENCH_TMPDIR || os.tmpdir(),
    log: (line) => process.stderr.write(`${line}\n`),
  })
    .then((r) => {
      process.stdout.write(`${fraudGuardReport(r)}\n${JSON.stringify(r, null, 2)}\n`);
    })
    .catch((err) => {
      process.stderr.write(`fraud guard bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
