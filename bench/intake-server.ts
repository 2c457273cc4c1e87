import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { openStore, type Store } from '../src/store/database';
import { maxRssBytes, mib, rss, serverProcessesCpu } from './memory';
import { BENCH_TENANT, setUpBenchTenant, type Workload } from './workload';

/**
 * The server side of the intake benchmark: a process of its own that holds what Tollgate's server holds while it
 * takes intake batches, and nothing of the benchmark's: it opens the store (migrations included) and builds Tollgate
 * the way the server does (createTollgate), then reads the batches one at a time from a file, as JSON text, the way
 * request bodies arrive; JSON.parse (the HTTP layer's work) is not timed, tollgate.intake.ingest is. The workload
 * generator, the raw anchor and the ledger checks stay in the benchmark's process.
 *
 * Before the timed run it takes the workload's first WARM_UP_BATCHES batches into a database of its own (not timed,
 * not the measured one), as a server that has been running has: a fresh process spends its first batches compiling
 * (here the first five cost two to three times the CPU of later ones), and the anchor it is compared with is warm
 * too (the median of five runs).
 */

/** Batches ingested into a scratch database before the timed run. */
export const WARM_UP_BATCHES = 10;

export interface WholePathFigures {
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
  /** The ingesting process's CPU time (user + system) during the ingest calls. */
  cpuSeconds: number;
  /**
   * PostgreSQL on this machine: the CPU time of the server processes serving the database during the ingest calls
   * (their /proc schedstat); the part of the work a busy machine's wall time hides. Undefined when not readable.
   */
  serverCpuSeconds?: number;
  loadAverage1m: number;
  batchMs: { p50: number; p95: number; max: number };
}

export interface IngestTotals {
  accepted: number;
  duplicates: number;
  conflicts: number;
  ignored: number;
  rejected: number;
  charged: number;
  chargedLegs: number;
  autoRecharges: number;
}

export interface ServerMemory {
  /** Highest RSS sampled (every 20 ms and after every batch), MiB. */
  peakRssMiBSampled: number;
  /** The kernel's high-water mark of the process (getrusage maxRSS: VmHWM), MiB: nothing can slip past it. */
  maxRssMiBKernel: number;
  /** V8's heap after the last batch and a full GC, MiB: what the process keeps, as opposed to what it was allowed to grow to. */
  heapUsedAfterGcMiB: number | null;
}

export interface IngestRun {
  figures: WholePathFigures;
  totals: IngestTotals;
  rejectedReasons: Record<string, number>;
  memory: ServerMemory;
}

interface Setup {
  databaseUrl: string;
  /** A database of its own for the warm-up (empty: no warm-up). */
  warmUpDatabaseUrl: string | undefined;
  pagesFile: string;
  usersCsv: string;
  poolLicenses: number;
  legs: number;
}

/**
 * Runs the whole path in a server process of its own into `databaseUrl` (after a warm-up into `warmUpDatabaseUrl`,
 * when given) and returns what it measured.
 */
export async function ingestInServerProcess(databaseUrl: string, warmUpDatabaseUrl: string | undefined, workload: Workload, tmpDir: string, label: string): Promise<IngestRun> {
  const base = path.join(tmpDir, `tollgate-bench-server-${label}-${randomBytes(4).toString('hex')}`);
  const setupFile = `${base}.setup.json`;
  const pagesFile = `${base}.pages`;
  const out = `${base}.out.json`;
  try {
    // One page of JSON text per line (JSON.stringify never writes a raw newline).
    fs.writeFileSync(pagesFile, workload.pages.join('\n'));
    const setup: Setup = { databaseUrl, warmUpDatabaseUrl, pagesFile, usersCsv: workload.usersCsv, poolLicenses: workload.poolLicenses, legs: workload.legs };
    fs.writeFileSync(setupFile, JSON.stringify(setup));
    await new Promise<void>((resolve, reject) => {
      // --expose-gc only for the heap-after-GC figure, taken once the timed part is over.
      const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', __filename, setupFile, out], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bench server process (${label}) exited with ${signal ?? code}`))));
    });
    return JSON.parse(fs.readFileSync(out, 'utf8')) as IngestRun;
  } finally {
    for (const f of [setupFile, pagesFile, out]) fs.rmSync(f, { force: true });
  }
}

/** The lines of a file, one at a time, read in blocks: the process never holds more than a block and a line. */
function* lines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const block = Buffer.alloc(1 << 20);
    let pending: Buffer[] = [];
    for (;;) {
      const n = fs.readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      let start = 0;
      for (let i = block.indexOf(10, 0); i !== -1 && i < n; i = block.indexOf(10, start)) {
        pending.push(block.subarray(start, i));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
        start = i + 1;
      }
      if (start < n) pending.push(Buffer.from(block.subarray(start, n)));
    }
    if (pending.length > 0) yield Buffer.concat(pending).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
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

/** The first WARM_UP_BATCHES batches into a scratch database, not timed: compiles what the timed run will run. */
async function warmUp(setup: Setup): Promise<void> {
  if (!setup.warmUpDatabaseUrl) return;
  const store = await openStore(setup.warmUpDatabaseUrl);
  try {
    const { tollgate } = await setUpBenchTenant(store, setup);
    let n = 0;
    for (const page of lines(setup.pagesFile)) {
      if (n++ === WARM_UP_BATCHES) break;
      const r = await tollgate.intake.ingest(BENCH_TENANT, JSON.parse(page) as unknown[]);
      if (!r.ok) throw new Error(`warm-up: intake refused a batch: ${r.reason}: ${r.message}`);
    }
  } finally {
    await store.close();
  }
}

async function serverMain(setupFile: string, out: string): Promise<void> {
  rss.start();
  const setup = JSON.parse(fs.readFileSync(setupFile, 'utf8')) as Setup;
  await warmUp(setup);
  const store = await openStore(setup.databaseUrl);
  let result: IngestRun;
  try {
    const counting = countingStore(store);
    const { tollgate } = await setUpBenchTenant(counting.store, setup);
    counting.counters.transactions = 0;
    counting.counters.ms = 0;
    const server0 = await serverProcessesCpu(store);

    const totals: IngestTotals = { accepted: 0, duplicates: 0, conflicts: 0, ignored: 0, rejected: 0, charged: 0, chargedLegs: 0, autoRecharges: 0 };
    const rejectedReasons: Record<string, number> = {};
    const batchMs: number[] = [];
    let cpuMicros = 0;
    for (const page of lines(setup.pagesFile)) {
      // The body arrives as text and is parsed by the HTTP layer: only ingest() is timed.
      const batch = JSON.parse(page) as unknown[];
      const cpu0 = process.cpuUsage();
      const b0 = performance.now();
      const r = await tollgate.intake.ingest(BENCH_TENANT, batch);
      batchMs.push(performance.now() - b0);
      const cpu = process.cpuUsage(cpu0);
      cpuMicros += cpu.user + cpu.system;
      if (!r.ok) throw new Error(`intake refused a batch: ${r.reason}: ${r.message}`);
      const s = r.value;
      totals.accepted += s.accepted;
      totals.duplicates += s.duplicates;
      totals.conflicts += s.conflicts;
      totals.ignored += s.ignored;
      totals.rejected += s.rejected.length;
      totals.charged += s.charged;
      totals.chargedLegs += s.chargedLegs;
      totals.autoRecharges += s.autoRecharges;
      for (const x of s.rejected) rejectedReasons[x.reason] = (rejectedReasons[x.reason] ?? 0) + 1;
      rss.sample();
    }
    const seconds = batchMs.reduce((a, b) => a + b, 0) / 1000;
    const server1 = await serverProcessesCpu(store);
    const committed = totals.accepted + totals.ignored;
    const sorted = [...batchMs].sort((a, b) => a - b);
    const q = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!, 1);
    const inTx = counting.counters.ms / 1000;
    const figures: WholePathFigures = {
      seconds: round(seconds, 3),
      legsIn: setup.legs,
      legsInPerSecond: Math.round(setup.legs / seconds),
      committedLegs: committed,
      committedLegsPerSecond: Math.round(committed / seconds),
      transactions: counting.counters.transactions,
      legsPerTransaction: Math.round(setup.legs / Math.max(1, counting.counters.transactions)),
      secondsInTransactions: round(inTx, 3),
      secondsOutsideTransactions: round(seconds - inTx, 3),
      cpuSeconds: round(cpuMicros / 1e6, 3),
      serverCpuSeconds: serverCpuBetween(server0, server1),
      loadAverage1m: round(os.loadavg()[0]!, 2),
      batchMs: { p50: q(0.5), p95: q(0.95), max: q(1) },
    };
    const gc = (globalThis as { gc?: () => void }).gc;
    let heapUsedAfterGcMiB: number | null = null;
    if (gc) {
      gc();
      heapUsedAfterGcMiB = mib(process.memoryUsage().heapUsed);
    }
    rss.stop();
    result = { figures, totals, rejectedReasons, memory: { peakRssMiBSampled: mib(rss.peakBytes), maxRssMiBKernel: mib(maxRssBytes()), heapUsedAfterGcMiB } };
  } finally {
    await store.close();
  }
  fs.writeFileSync(out, JSON.stringify(result));
}

/** CPU seconds the server processes used between two snapshots (a process started in between counts from zero). */
function serverCpuBetween(before: Map<number, number> | undefined, after: Map<number, number> | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return round(total, 3);
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

if (require.main === module) {
  const [setupFile, out] = process.argv.slice(2) as [string, string];
  serverMain(setupFile, out)
    .then(() => process.exit(0))
    .catch((err) => {
      process.stderr.write(`bench server process failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
