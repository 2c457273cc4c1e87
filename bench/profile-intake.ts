import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/database';
import { summarize } from './cpu-profile-summary';
import { BENCH_TENANT, generateWorkload, setUpBenchTenant } from './workload';

/**
 * CPU profile of the whole intake path only (no workload generation, no raw anchor), on SQLite or PostgreSQL:
 *
 *   BENCH_LEGS=30000 npx tsx bench/profile-intake.ts            # SQLite in the temp dir
 *   PROFILE_DATABASE_URL=postgres://…/somedb npx tsx bench/profile-intake.ts
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
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
