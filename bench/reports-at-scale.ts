import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { BotCommands } from '../src/bot/bot-commands';
import { parseCommand } from '../src/bot/commands/parse-command';
import { openStore, type Store } from '../src/store/database';
import { UsageReports } from '../src/usage/usage-report';
import { latencyFigures, loadAverage1m, type LatencyFigures } from './support/activities';
import { ROOT } from './support/bot-process';
import { buildScaleTenant } from './support/scale-tenant';
import { timedRun, type TimedRun } from './support/timed-process';
import { BENCH_TENANT } from './workload';

/**
 * Reports at scale (issue 5): a tenant with `legs` legs in one month (November 2026; the clock stands at
 * 30 November, 18:00 UTC, so "this month" is that month), on SQLite.
 *
 * - The card: `usage this month` as the bot builds it (BotCommands.handle: the report, organizer names, meeting
 *   titles, the Adaptive Card), in this process, `runs` times after one cold run. Anchor: the database reading the
 *   month's legs once (SELECT COUNT, SUM over the month's rated legs; the old report read them five times). The
 *   card's total and call count must equal that sum. Target: under 300 ms.
 * - The export: `tollgate export --tenant T --from 2026-11-01 --to 2026-11-30 --out FILE` as its own process (the
 *   way an admin runs it from a checkout: bin/tollgate.js, TypeScript through tsx), timed with its peak RSS (GNU
 *   time; tsx's start-up included, as the admin waits for it). Anchor: a process that iterates the same rows with the
 *   driver alone, in raw mode, and writes every column joined with commas in writes of about 1 MB
 *   (bench/support/raw-dump.ts). Targets: under 10 s, peak RSS under 300 MB.
 * Besides (no target): the balance card, `usage 7d` and `usage 28d`, `meeting last` and `meetings` on that tenant.
 */
export interface ReportsAtScaleResult {
  config: { legs: number; templateRecords: number; month: string; now: string; runs: number; engine: 'sqlite' };
  build: { legs: number; ratedLegs: number; meetings: number; rollupCells: { daily: number; organizerDays: number }; seconds: { template: number; copy: number; rollups: number } };
  card: { cold: number; warm: LatencyFigures; totalMicros: number; legs: number; targetMs: number; pass: boolean };
  anchorMonthScan: { ms: number; legs: number; chargeMicros: number };
  cardVsAnchor: number;
  consistent: boolean;
  otherCards: Record<string, LatencyFigures>;
  export: { run: Omit<TimedRun, 'stdout' | 'stderr'>; legsWritten: number; bytes: number; targetSeconds: number; targetRssMiB: number; pass: boolean };
  anchorRawDump: { run: Omit<TimedRun, 'stdout' | 'stderr'>; legsWritten: number; bytes: number };
  exportVsAnchor: { wall: number; rss: number | undefined };
  loadAverage1m: number[];
}

const NOW = new Date('2026-11-30T18:00:00.000Z');
const MONTH = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return Math.round((performance.now() - t) * 10) / 10;
}

const strip = ({ stdout: _o, stderr: _e, ...rest }: TimedRun) => rest;

export async function runReportsAtScale(options: { legs?: number; templateRecords?: number; runs?: number; tmpDir?: string; log: (line: string) => void }): Promise<ReportsAtScaleResult> {
  const legs = options.legs ?? 1_000_000;
  const templateRecords = options.templateRecords ?? 20_000;
  const runs = options.runs ?? 20;
  const dir = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'tollgate-bench-reports-'));
  const file = path.join(dir, 'tollgate.db');
  const load: number[] = [];
  let store: Store | undefined;
  try {
    options.log(`reports at scale: building a tenant with ${legs.toLocaleString('en-US')} legs in November 2026 (SQLite, ${file})`);
    store = await openStore(`sqlite:${file}`);
    const s = store;
    const built = await buildScaleTenant(s, { legs, templateRecords, log: options.log });
    // As a server at rest would have it: the write-ahead log checkpointed into the database file.
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(s.db);
    const rollupCells = {
      daily: Number((await s.db.selectFrom('spend_daily').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow()).n),
      organizerDays: Number((await s.db.selectFrom('spend_daily_organizer').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', BENCH_TENANT).executeTakeFirstOrThrow()).n),
    };
    load.push(loadAverage1m());

    // The card, as the bot builds it.
    built.clock.set(NOW);
    const commands = new BotCommands(built.tollgate, new UsageReports(s), []);
    const reader = built.workload.organizers[0]!;
    const turn = {
      caller: { tenantId: BENCH_TENANT, userId: reader.id, userName: reader.name, conversationId: 'a:bench', conversationType: 'personal' as const, locale: 'en-US' },
      mentions: [],
      now: NOW,
      readerId: `29:${reader.id}`,
    };
    const card = (text: string) => commands.handle(parseCommand(text, { locale: 'en-US' }), turn);
    const cold = await timeMs(() => card('usage this month'));
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(await timeMs(() => card('usage this month')));
    const report = await new UsageReports(s).report(BENCH_TENANT, { kind: 'this_month' }, NOW);
    options.log(`  usage this month: cold ${cold} ms, warm p50 ${latencyFigures(warm).p50} ms p99 ${latencyFigures(warm).p99} ms (${runs} runs)`);

    // The anchor: the month's legs read once.
    const scans: { ms: number; legs: number; chargeMicros: number }[] = [];
    for (let i = 0; i < 3; i++) {
      let row: { n: unknown; charge: unknown } | undefined;
      const ms = await timeMs(async () => {
        row = await s.db
          .selectFrom('legs')
          .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('charge_micros').as('charge')])
          .where('tenant_id', '=', BENCH_TENANT)
          .where('status', '=', 'rated')
          .where('start_at', '>=', MONTH.from)
          .where('start_at', '<', MONTH.to)
          .executeTakeFirstOrThrow();
      });
      scans.push({ ms, legs: Number(row!.n), chargeMicros: Number(row!.charge) });
    }
    const anchor = scans.sort((a, b) => a.ms - b.ms)[1]!;
    options.log(`  anchor, one scan of the month's legs: ${anchor.ms} ms (median of 3)`);

    const otherCards: Record<string, LatencyFigures> = {};
    for (const text of ['balance', 'usage 7d', 'usage 28d', 'meeting last', 'meetings']) {
      await card(text);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push(await timeMs(() => card(text)));
      otherCards[text] = latencyFigures(times);
    }
    options.log(`  other cards (p50 of 5): ${Object.entries(otherCards).map(([k, v]) => `${k} ${v.p50} ms`).join(', ')}`);
    load.push(loadAverage1m());
    await s.close();
    store = undefined;

    // The export, and its anchor, each as a process of its own.
    const out = path.join(dir, 'legs.csv');
    options.log('  tollgate export of the month (its own process)…');
    const exported = await timedRun(process.execPath, ['bin/tollgate.js', 'export', '--tenant', BENCH_TENANT, '--from', '2026-11-01', '--to', '2026-11-30', '--out', out], {
      cwd: ROOT,
      env: { DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'warn' },
    });
    if (exported.exitCode !== 0) throw new Error(`tollgate export failed (${exported.exitCode}): ${exported.stderr.slice(0, 500)}`);
    const exportedLegs = Number(/(\d+) legs written/.exec(exported.stderr + exported.stdout)?.[1] ?? NaN);
    const exportBytes = fs.statSync(out).size;
    fs.rmSync(out);
    options.log(`  export: ${exported.wallSeconds.toFixed(1)} s, peak RSS ${exported.maxRssMiB} MiB, ${exportedLegs} legs, ${(exportBytes / 1e6).toFixed(0)} MB`);
    load.push(loadAverage1m());
    const rawOut = path.join(dir, 'raw.csv');
    const raw = await timedRun(process.execPath, ['-r', 'tsx/cjs', 'bench/support/raw-dump.ts', file, BENCH_TENANT, MONTH.from, MONTH.to, rawOut], { cwd: ROOT });
    if (raw.exitCode !== 0) throw new Error(`raw dump failed (${raw.exitCode}): ${raw.stderr.slice(0, 500)}`);
    const rawLegs = Number(/(\d+) legs written/.exec(raw.stdout)?.[1] ?? NaN);
    const rawBytes = fs.statSync(rawOut).size;
    fs.rmSync(rawOut);
    options.log(`  anchor, raw dump: ${raw.wallSeconds.toFixed(1)} s, peak RSS ${raw.maxRssMiB} MiB`);
    load.push(loadAverage1m());

    const warmFigures = latencyFigures(warm);
    const cardPass = (warmFigures.p99 ?? Infinity) < 300;
    return {
      config: { legs, templateRecords, month: '2026-11', now: NOW.toISOString(), runs, engine: 'sqlite' },
      build: { legs: built.legs, ratedLegs: built.ratedLegs, meetings: built.meetings, rollupCells, seconds: built.seconds },
      card: { cold, warm: warmFigures, totalMicros: report.totalMicros, legs: report.legs, targetMs: 300, pass: cardPass },
      anchorMonthScan: anchor,
      cardVsAnchor: Math.round(((warmFigures.p50 ?? NaN) / anchor.ms) * 1000) / 1000,
      consistent: report.totalMicros === anchor.chargeMicros && report.legs === anchor.legs && exportedLegs === legs && rawLegs === legs,
      otherCards,
      export: {
        run: strip(exported),
        legsWritten: exportedLegs,
        bytes: exportBytes,
        targetSeconds: 10,
        targetRssMiB: 300,
        pass: exported.wallSeconds < 10 && (exported.maxRssMiB ?? Infinity) < 300,
      },
      anchorRawDump: { run: strip(raw), legsWritten: rawLegs, bytes: rawBytes },
      exportVsAnchor: {
        wall: Math.round((exported.wallSeconds / raw.wallSeconds) * 100) / 100,
        rss: exported.maxRssMiB && raw.maxRssMiB ? Math.round((exported.maxRssMiB / raw.maxRssMiB) * 100) / 100 : undefined,
      },
      loadAverage1m: load,
    };
  } finally {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runReportsAtScale({ log: (l) => process.stderr.write(`${l}\n`) }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
