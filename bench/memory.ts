import fs from 'node:fs';
import { sql } from 'kysely';
import type { Store } from '../src/store/database';

/**
 * Peak resident set size, sampled. better-sqlite3 is synchronous and Kysely's SQLite driver chains promises, so a
 * whole intake batch can run without the event loop ever reaching a timer: the interval alone would miss peaks.
 * Benchmarks therefore also call sample() between batches; the kernel's own high-water mark (maxRSS) is reported
 * beside it as the figure nothing can miss.
 */
export class RssSampler {
  private overall = 0;
  private phase = 0;
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = 20): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  sample(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.overall) this.overall = rss;
    if (rss > this.phase) this.phase = rss;
    return rss;
  }

  /** Starts a phase; phasePeakBytes then reports the highest sample since. */
  beginPhase(): void {
    this.phase = 0;
    this.sample();
  }

  get phasePeakBytes(): number {
    return this.phase;
  }

  get peakBytes(): number {
    return this.overall;
  }
}

export const rss = new RssSampler();

/** The kernel's high-water mark for this process (getrusage ru_maxrss), bytes. */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * CPU time a process on this machine has used so far, seconds (/proc/PID/schedstat, nanoseconds); undefined when it
 * cannot be read (not Linux, not this machine, gone). For PostgreSQL server processes serving a benchmark.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const ns = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

/** PostgreSQL: CPU seconds so far of each server process connected to the store's database (on this machine). */
export async function serverProcessesCpu(store: Store): Promise<Map<number, number> | undefined> {
  if (store.engine !== 'postgres') return undefined;
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(store.db);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const s = processCpuSeconds(pid);
    if (s === undefined) return undefined;
    cpu.set(pid, s);
  }
  return cpu;
}
