import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openStore, type Store } from '../src/store/database';
import { summarize } from './cpu-profile-summary';
import { BENCH_TENANT, generateWorkload, setUpBenchTenant } from './workload';

/**
 * CPU profile of the whole intake path only (no workload generation, no raw anchor), on SQLite or PostgreSQL:
 *
 *   BENCH_LEGS=30000 npx tsx bench/profile-intake.ts            # SQLite in the temp dir
 *   PROFILE_DATABASE_URL=postgres://…/somedb npx tsx bench/profile-intake.ts
 *   PROFILE_WAL_FRAMES=1 npx tsx bench/profile-intake.ts           # SQLite: also the pages each commit writes
 *
 * PROFILE_WAL_FRAMES (SQLite): turns off the WAL's automatic checkpoint for the run, so the WAL keeps every page each
 * commit wrote, then prints the WAL frames per chunk by the table or index each page belongs to (dbstat). A commit's
 * cost on SQLite goes mostly by the pages it writes; the figures are exact, unlike CPU time on a busy machine.
 *
 * Writes bench/results/intake.cpuprofile (open it in Chrome DevTools or speedscope) and prints a summary.
 */

const FUNCTIONS = [
  'ingest', 'validate', 'parseCallRecord', 'safeParse', 'hashRecord', 'parsePhoneNumber', 'settle', 'withBook',
  'findStoredLegs', 'findUsers', 'loadRateCard', 'rateLeg', 'legRow', 'addToMeeting', 'insertLegs', 'addPoolUsage',
  'addToMeetings', 'flush', 'insertEntries', 'compileQuery', 'executeQuery', 'prepare', 'expireDue',
];

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

async function main(): Promise<void> {
  const legs = Number(process.env.BENCH_LEGS ?? 30_000);
  const batchSize = Number(process.env.BENCH_BATCH ?? 2_000);
  const workload = generateWorkload(legs, batchSize);
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_TMPDIR || os.tmpdir(), 'tollgate-profile-'));
  const url = process.env.PROFILE_DATABASE_URL ?? `sqlite:${path.join(dir, 'intake.db')}`;
  const store = await openStore(url);
  try {
    const { tollgate } = await setUpBenchTenant(store, workload);
    const walFrames = process.env.PROFILE_WAL_FRAMES && store.engine === 'sqlite';
    if (walFrames) {
      await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
      await sql`PRAGMA wal_autocheckpoint = 0`.execute(store.db);
    }
    const session = new Session();
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    const t0 = performance.now();
    for (let i = 0; i < workload.pages.length; i++) {
      const r = await tollgate.intake.ingest(BENCH_TENANT, workload.batch(i));
      if (!r.ok) throw new Error(r.message);
    }
    const seconds = (performance.now() - t0) / 1000;
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    session.disconnect();
    const out = path.join(__dirname, 'results', 'intake.cpuprofile');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(profile));
    process.stdout.write(`${store.engine}: ${legs} legs in ${seconds.toFixed(2)} s = ${Math.round(legs / seconds)} legs/s; profile in ${out}\n\n`);
    process.stdout.write(`${summarize(out, FUNCTIONS, 40)}\n`);
    if (walFrames) process.stdout.write(`\n${await walFramesByObject(store, url.slice('sqlite:'.length), workload.pages.length)}\n`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The WAL's frames per chunk, by the table or index their page belongs to now (a page freed and reused counts once). */
async function walFramesByObject(store: Store, file: string, chunks: number): Promise<string> {
  const pageSize = Number((await sql<{ page_size: number }>`PRAGMA page_size`.execute(store.db)).rows[0]!.page_size);
  const owner = new Map<number, string>();
  for (const r of (await sql<{ name: string; pageno: number }>`SELECT name, pageno FROM dbstat`.execute(store.db)).rows) owner.set(Number(r.pageno), r.name);
  const wal = fs.readFileSync(`${file}-wal`);
  const counts = new Map<string, number>();
  let total = 0;
  // A 32-byte WAL header, then frames: a 24-byte header (the page number first, big-endian) and the page.
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const name = owner.get(wal.readUInt32BE(at)) ?? '(free)';
    counts.set(name, (counts.get(name) ?? 0) + 1);
    total += 1;
  }
  const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `  ${(n / chunks).toFixed(1).padStart(8)}  ${name}`);
  return [`WAL frames per chunk (${chunks} chunks): ${(total / chunks).toFixed(1)}`, ...lines].join('\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
