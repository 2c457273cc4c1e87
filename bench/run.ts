import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maxRssBytes, mib, rss } from './memory';
import { defaultTmpDir, fmt, runIntakeThroughput, type EngineFigures, type IntakeBenchResult } from './intake-throughput';
import { runBotAndReports } from './bot-and-reports';
import { fraudGuardMissed, fraudGuardReport, fraudWorkloadsFromEnv, runFraudGuardBench } from './fraud-guard';

/**
 * `npm run bench`: every benchmark in sequence, a readable table on stdout, the figures and the machine in
 * bench/results/latest.json. Progress goes to stderr so stdout is just the report.
 *
 * Environment:
 *   BENCH_LEGS            call records per run (default 100000)
 *   BENCH_BATCH           records per ingest call, and the raw anchor's rows per transaction (default 2000)
 *   BENCH_ENGINES         sqlite,postgres (default both)
 *   BENCH_DATABASE_URL    PostgreSQL server to create a scratch database on (else TEST_DATABASE_URL,
 *                         else postgres://postgres@127.0.0.1:5432/test if it answers)
 *   BENCH_TMPDIR          where the SQLite files go (default the OS temp dir; must be a real disk for fsync to count)
 *   BENCH_STRICT=1        exit 1 when a target is missed
 */

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

function intFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got "${text}"`);
  return n;
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    totalMemoryMiB: mib(os.totalmem()),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Ties the figures to a state of the code: src/ changes under the benchmark, with or without commits. */
function sourceDigest(): { srcFiles: number; srcSha256: string } {
  const root = path.join(__dirname, '..', 'src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(root);
  files.sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return { srcFiles: files.length, srcSha256: hash.digest('hex').slice(0, 16) };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('   ')}` : line;
    })
    .join('\n');
}

const pct = (r: number | undefined) => (r === undefined ? '' : `${(r * 100).toFixed(1)} %`);

function intakeReport(result: IntakeBenchResult): string {
  const ran = result.engines.filter((e) => !e.skipped);
  const out: string[] = [];
  const w = result.workload;
  out.push(`Intake throughput: ${fmt(w.legs)} Graph call records, ${fmt(w.meetings)} meetings, ${w.organizers} organizers, ` +
    `ingest batches of ${fmt(result.config.batchSize)}, dial-out pool ${fmt(w.poolLicenses)} licenses`);
  out.push(`  mix: ${Object.entries(w.mix).map(([k, n]) => `${k} ${((n / w.legs) * 100).toFixed(1)} %`).join(', ')}`);
  out.push('');
  if (ran.length > 0) {
    const col = (f: (e: EngineFigures) => string) => ran.map(f);
    const wp = (e: EngineFigures) => e.wholePath!;
    const rows: string[][] = [
      ['', ...ran.map((e) => (e.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'))],
      ['whole path (ingest → committed), legs/s', ...col((e) => fmt(wp(e).committedLegsPerSecond))],
      ['  records in, per second', ...col((e) => fmt(wp(e).legsInPerSecond))],
      ['  wall time, s', ...col((e) => wp(e).seconds.toFixed(2))],
      ['  transactions × legs each', ...col((e) => `${wp(e).transactions} × ${wp(e).legsPerTransaction}`)],
      ['  time inside / outside transactions, s', ...col((e) => `${wp(e).secondsInTransactions.toFixed(2)} / ${wp(e).secondsOutsideTransactions.toFixed(2)}`)],
      ['  CPU time of this process (+ PostgreSQL server processes), s', ...col((e) => `${wp(e).cpuSeconds.toFixed(2)}${wp(e).serverCpuSeconds === undefined ? '' : ` + ${wp(e).serverCpuSeconds!.toFixed(2)}`}`)],
      ['  1-min load average at the end', ...col((e) => String(wp(e).loadAverage1m))],
      ['  ingest call p50 / p95 / max, ms', ...col((e) => `${wp(e).batchMs.p50} / ${wp(e).batchMs.p95} / ${wp(e).batchMs.max}`)],
      ['raw driver insert of the same rows, rows/s', ...col((e) => fmt(e.raw!.rowsPerSecond))],
      ['  rows per transaction', ...col((e) => fmt(e.raw!.rowsPerTransaction))],
      ['  at the intake\'s transaction size, rows/s', ...col((e) => (e.rawAtIntakeTransactionSize ? `${fmt(e.rawAtIntakeTransactionSize.rowsPerSecond)} (×${e.rawAtIntakeTransactionSize.rowsPerTransaction})` : 'same'))],
      ['  CPU time of this process (+ PostgreSQL server process), s', ...col((e) => `${e.raw!.cpuSeconds.toFixed(2)}${e.raw!.serverCpuSeconds === undefined ? '' : ` + ${e.raw!.serverCpuSeconds.toFixed(2)}`}`)],
      ['whole path / raw (median round)', ...col((e) => pct(e.ratio))],
      ['  raw with Tollgate\'s checkpointer thread (reference), rows/s; whole path / that', ...col((e) => (e.rawWithCheckpointer ? `${fmt(e.rawWithCheckpointer.rowsPerSecond)}; ${pct(e.rawWithCheckpointer.wholePathRatio)}` : '-'))],
      ['  each round, in order', ...col((e) => (e.rounds ?? []).map((r) => pct(r.ratio)).join(' / '))],
      ['  by CPU time (less disturbed by a busy machine)', ...col((e) => (e.cpuRatio === undefined ? '-' : pct(e.cpuRatio)))],
      ['target', ...col((e) => `≥ ${pct(e.target)}`)],
      ['result', ...col((e) => (e.pass ? 'PASS' : 'FAIL'))],
      ['Tollgate server, same workload over HTTP, legs/s', ...col((e) => (e.httpServer ? fmt(e.httpServer.legsPerSecond) : '-'))],
      ['  server RSS at start / peak (kernel VmHWM), MiB', ...col((e) => (e.httpServer ? `${e.httpServer.rssAtStartMiB} / ${e.httpServer.maxRssMiBKernel}` : '-'))],
      ['  its ledger checks', ...col((e) => (!e.httpServer ? '-' : e.httpServer.allChecksPass ? 'all ok' : `FAILED: ${e.httpServer.failedChecks.join('; ')}`))],
      ['ingesting process (the timed whole path) peak RSS, MiB', ...col((e) => `${e.ingestProcessMemory?.maxRssMiBKernel} (heap after GC ${e.ingestProcessMemory?.heapUsedAfterGcMiB ?? '-'})`)],
      ['benchmark process (workload, raw anchor) peak RSS, MiB', ...col((e) => `${result.memory[e.engine]?.maxRssMiBKernel}`)],
      ['consistency checks', ...col((e) => {
        const checks = (e.outcome as { checks: Record<string, boolean> }).checks;
        const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([k]) => k);
        return failed.length === 0 ? `all ${Object.keys(checks).length} ok` : `FAILED: ${failed.join('; ')}`;
      })],
    ];
    out.push(table(rows));
    for (const e of ran) {
      const o = e.outcome as Record<string, any>;
      out.push('');
      out.push(`  ${e.engine}: ${Object.entries(e.server ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}`);
      out.push(`    legs rated ${fmt(o.legsRated)}, ignored ${fmt(o.legsIgnored)}, rejected ${fmt(o.rejected)} ${JSON.stringify(o.rejectedReasons)}`);
      out.push(`    paid by ${JSON.stringify(o.paidBy)}; charged ${o.chargedUsd.toLocaleString('en-US')} USD on ${fmt(o.chargedLegs)} legs, ${o.autoRecharges} auto-recharges`);
      out.push(`    ledger entries ${JSON.stringify(o.ledgerEntries)}, meeting rollups ${fmt(o.meetings)}`);
      out.push(`    pool ${fmt(o.pool.usedSeconds)} / ${fmt(o.pool.totalSeconds)} s used, drained by leg #${o.pool.drainedAtLeg ?? '-'} (${pct(o.pool.drainedAtFraction ?? undefined)} of the run)`);
      out.push(`    raw: ${e.raw!.method}, median of ${e.raw!.reps} after each whole-path run; ${e.rounds?.length ?? 1} rounds, the median round's figures above`);
    }
  }
  for (const e of result.engines.filter((x) => x.skipped)) {
    out.push('');
    out.push(`  ${e.engine} SKIPPED: ${e.skipped}`);
  }
  out.push('');
  out.push(`validate() alone (schema, phone numbers, content hash; no database): ${fmt(result.validateOnly.legsPerSecond)} legs/s ` +
    `(${fmt(result.validateOnly.legs)} records in ${result.validateOnly.seconds.toFixed(2)} s)`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const legs = intFromEnv('BENCH_LEGS', 100_000);
  const batchSize = intFromEnv('BENCH_BATCH', 2_000);
  const engines = (process.env.BENCH_ENGINES ?? 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean) as ('sqlite' | 'postgres')[];
  for (const e of engines) if (e !== 'sqlite' && e !== 'postgres') throw new Error(`BENCH_ENGINES: unknown engine "${e}"`);
  const postgresUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || LOCAL_POSTGRES;
  const postgresUrlSource = process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'local default';

  const started = new Date();
  const info = machine();
  const code = sourceDigest();
  rss.start();
  log(`tollgate bench: node ${info.node}, ${info.cpuModel}, ${info.cores} cores`);

  const t0 = Date.now();
  const intake = await runIntakeThroughput({ legs, batchSize, engines, postgresUrl, postgresUrlSource, tmpDir: defaultTmpDir(), log });
  // Bot latency, reports at scale, post-meeting card (bench/bot-and-reports.ts; BENCH_ONLY picks some).
  const botAndReports = await runBotAndReports({ tmpDir: defaultTmpDir(), log });
  // What the toll-fraud guard adds to intake, guard off and on in one process (bench/fraud-guard.ts).
  const fraudGuard = await runFraudGuardBench({ legs: intFromEnv('BENCH_FRAUD_LEGS', legs), months: intFromEnv('BENCH_FRAUD_MONTHS', 4), workloads: fraudWorkloadsFromEnv(), batchSize, engines, postgresUrl, tmpDir: defaultTmpDir(), log });
  rss.stop();
  const totalSeconds = (Date.now() - t0) / 1000;

  // The benchmarks run in child processes: the run's peak is the highest of theirs (and this process's own).
  const children = Object.values(intake.memory);
  const memory = {
    peakRssMiBSampled: Math.max(mib(rss.peakBytes), ...children.map((m) => m.peakRssMiBSampled)),
    maxRssMiBKernel: Math.max(mib(maxRssBytes()), ...children.map((m) => m.maxRssMiBKernel)),
  };
  const report = [
    '',
    `Tollgate benchmarks, ${started.toISOString()}`,
    `node ${info.node} on ${info.platform}; ${info.cpuModel}, ${info.cores} cores, ${fmt(info.totalMemoryMiB)} MiB RAM; load ${info.loadAverage.join(' ')}`,
    `src/: ${code.srcFiles} files, sha256 ${code.srcSha256}`,
    '',
    intakeReport(intake),
    '',
    botAndReports.report,
    '',
    fraudGuardReport(fraudGuard),
    '',
    `Server peak RSS (Tollgate's server taking the workload over HTTP; kernel high-water mark): ${intake.serverMemory.maxRssMiBKernel} MiB = ` +
      `${fmt(intake.serverMemory.maxRssMiBKernel * 1.048576)} MB; target < ${fmt(intake.serverMemory.targetBytes / 1e6)} MB: ${intake.serverMemory.pass ? 'PASS' : 'FAIL'}`,
    `Peak RSS over the whole run (highest process, benchmark processes included): ${memory.peakRssMiBSampled} MiB sampled, ${memory.maxRssMiBKernel} MiB kernel high-water mark (maxRSS)`,
    `Total bench time: ${totalSeconds.toFixed(1)} s`,
    '',
  ].join('\n');
  process.stdout.write(report);

  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const latest = path.join(resultsDir, 'latest.json');
  const json = { startedAt: started.toISOString(), totalSeconds, machine: info, code, memory, benchmarks: { intakeThroughput: intake, ...botAndReports.results, fraudGuard } };
  fs.writeFileSync(`${latest}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  fs.renameSync(`${latest}.tmp`, latest);
  log(`wrote ${path.relative(process.cwd(), latest)}`);

  // Wrong figures are worse than slow ones: a run whose ledger does not add up fails whatever the speed.
  const broken = intake.engines.filter((e) => (e.outcome && (e.outcome as { allChecksPass: boolean }).allChecksPass === false) || e.httpServer?.allChecksPass === false);
  if (broken.length > 0) {
    log(`consistency checks FAILED on ${broken.map((e) => e.engine).join(', ')}: see the table`);
    process.exitCode = 1;
  }
  const missed = intake.engines.filter((e) => e.pass === false);
  if (process.env.BENCH_STRICT === '1' && (missed.length > 0 || !intake.serverMemory.pass)) process.exitCode = 1;
  if (botAndReports.inconsistent.length > 0) {
    log(`consistency checks FAILED: ${botAndReports.inconsistent.join(', ')}`);
    process.exitCode = 1;
  }
  if (process.env.BENCH_STRICT === '1' && botAndReports.missed.length > 0) process.exitCode = 1;
  if (process.env.BENCH_STRICT === '1' && fraudGuardMissed(fraudGuard)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
