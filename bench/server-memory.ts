import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { openStore } from '../src/store/database';
import type { IngestTotals } from './intake-server';
import { freePort, startCommand } from './support/bot-process';
import { BENCH_ADMIN, BENCH_TENANT, setUpBenchTenant, type Workload } from './workload';

/**
 * The memory figure: Tollgate's own server, started exactly as `npm start` starts it (package.json's start
 * script: tsx, with the Node options given there; the HTTP API, the bot, the outbox worker), taking the benchmark's
 * whole workload through POST /api/tenants/{id}/calls, one batch per request, as fast as it answers. Its peak RSS is
 * the kernel's high-water mark of the server's Node process (VmHWM in /proc/PID/status: everything it ever held
 * resident, start-up included), read just before it is stopped; RSS is also sampled every 50 ms from outside. The
 * benchmark's processes (which hold the workload) and tsx's launcher process are not in it.
 */

const ROOT = path.join(__dirname, '..');

/** The servers' answers, summed (the intake summary of each batch): IngestTotals. */
export interface ServerMemoryRun extends IngestTotals {
  legs: number;
  requests: number;
  /** Wall time of the requests (HTTP, JSON parsing and the whole intake path), s. */
  seconds: number;
  legsPerSecond: number;
  /** RSS once started and answering /healthz, before the first batch, MiB. */
  rssAtStartMiB: number | null;
  /** The highest RSS sampled from outside while the batches went in, MiB. */
  peakRssMiBSampled: number | null;
  /** The kernel's high-water mark of the server process over its whole life (VmHWM), MiB. */
  maxRssMiBKernel: number | null;
  rssAtEndMiB: number | null;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb : null;
  } catch {
    return null;
  }
}
const mibOf = (kb: number | null) => (kb === null ? null : Math.round(kb / 102.4) / 10);

/** A process's parent and start time (clock ticks after boot), from /proc/PID/stat; undefined once it is gone. */
function procStat(pid: number): { ppid: number; startTime: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `pid` (from /proc: Linux). */
function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e) && procStat(Number(e))?.ppid === pid).map(Number);
}

interface RunningServer {
  url: string;
  /** The Node process that serves (tsx's child), whose memory is measured. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server as `npm start` does (without npm's own process), waits until /healthz answers 200. */
async function startServer(env: NodeJS.ProcessEnv, logFile: string, extraNodeArgs: string[]): Promise<RunningServer> {
  const port = await freePort();
  const args = startCommand();
  const log = fs.openSync(logFile, 'w');
  const tsx: ChildProcess = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [...extraNodeArgs, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  let exited: number | null | undefined;
  tsx.once('exit', (code) => (exited = code));
  let server: { pid: number; startTime: string } | undefined;
  const stop = async () => {
    if (exited === undefined) {
      const gone = new Promise((resolve) => tsx.once('exit', resolve));
      tsx.kill('SIGTERM'); // tsx relays it to the server
      const timer = setTimeout(() => tsx.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    // A launcher killed outright relays nothing: the server must not outlive the benchmark (the same process: its
    // pid and start time, not another that got the pid since).
    if (server && procStat(server.pid)?.startTime === server.startTime) process.kill(server.pid, 'SIGKILL');
    fs.closeSync(log);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`the server exited with code ${exited} before answering: see ${logFile}`);
      try {
        if ((await fetch(`${url}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the server did not answer /healthz within 180 s: see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // tsx runs the entry point in a Node child process of its own: that one is the server.
    const servers = childrenOf(tsx.pid!);
    if (servers.length !== 1) throw new Error(`bench: expected one server process under tsx (${tsx.pid}), found ${servers.length}`);
    const started = procStat(servers[0]!);
    if (!started) throw new Error(`bench: the server process ${servers[0]} is gone`);
    server = { pid: servers[0]!, startTime: started.startTime };
    return { url, pid: server.pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Sets up the bench tenant in `databaseUrl`, starts the server on it and posts every batch; the ledger is left for the caller to check. */
export async function serverOverHttp(
  databaseUrl: string,
  workload: Workload,
  tmpDir: string,
  label: string,
  log: (line: string) => void,
  /** Node options before the start script's own (experiments). */
  nodeArgs: string[] = [],
): Promise<ServerMemoryRun> {
  const setup = await openStore(databaseUrl);
  let key: string;
  try {
    const { tollgate } = await setUpBenchTenant(setup, workload);
    const created = await tollgate.ingestKeys.create(BENCH_TENANT, BENCH_ADMIN);
    if (!created.ok) throw new Error(`bench: ingest key: ${created.message}`);
    key = created.value.key;
  } finally {
    await setup.close();
  }

  const logFile = path.join(tmpDir, `tollgate-bench-server-${label}-${randomBytes(4).toString('hex')}.log`);
  const env = { DATABASE_URL: databaseUrl, SEED_DEMO: 'false', LOG_LEVEL: 'warn', BOT_ID: '', BOT_PASSWORD: '', GRAPH_SYNC_INTERVAL_MINUTES: '0' };
  const server = await startServer(env, logFile, nodeArgs);
  const pid = server.pid;
  let peakKb = 0;
  const sample = () => {
    const kb = statusKb(pid, 'VmRSS');
    if (kb !== null && kb > peakKb) peakKb = kb;
  };
  const timer = setInterval(sample, 50);
  let done = false;
  try {
    const rssAtStartMiB = mibOf(statusKb(pid, 'VmRSS'));
    const totals = { accepted: 0, duplicates: 0, conflicts: 0, ignored: 0, rejected: 0, charged: 0, chargedLegs: 0, autoRecharges: 0 };
    const t0 = performance.now();
    for (const page of workload.pages) {
      const res = await fetch(`${server.url}/api/tenants/${encodeURIComponent(BENCH_TENANT)}/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: page,
      });
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`bench: the server answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
      for (const k of ['accepted', 'duplicates', 'conflicts', 'ignored', 'charged', 'chargedLegs', 'autoRecharges'] as const) totals[k] += Number(body[k] ?? 0);
      totals.rejected += Array.isArray(body.rejected) ? body.rejected.length : 0;
      sample();
    }
    const seconds = (performance.now() - t0) / 1000;
    sample();
    const run: ServerMemoryRun = {
      legs: workload.legs,
      requests: workload.pages.length,
      seconds: Math.round(seconds * 1000) / 1000,
      legsPerSecond: Math.round(workload.legs / seconds),
      ...totals,
      rssAtStartMiB,
      peakRssMiBSampled: mibOf(peakKb || null),
      maxRssMiBKernel: mibOf(statusKb(pid, 'VmHWM')),
      rssAtEndMiB: mibOf(statusKb(pid, 'VmRSS')),
    };
    log(`  server over HTTP: ${run.legsPerSecond.toLocaleString('en-US')} legs/s; server RSS at start ${run.rssAtStartMiB} MiB, ` +
      `peak ${run.maxRssMiBKernel} MiB (kernel high-water mark)`);
    done = true;
    return run;
  } finally {
    clearInterval(timer);
    await server.stop();
    if (done) fs.rmSync(logFile, { force: true });
    else log(`  the server's output is in ${logFile}`);
  }
}
