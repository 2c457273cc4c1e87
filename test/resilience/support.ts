import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../src/store/database';
import { NUMBERS, USERS, leg } from '../support/fixtures';
import { seededRandom } from '../support/seeded-random';

export { seededRandom };

/**
 * Helpers for the resilience suites: deterministic leg files, the real `tollgate` CLI as an OS process (so a
 * kill -9 or four concurrent importers are real processes on a real database), and a content snapshot of a tenant
 * that leaves out what legitimately differs between two runs (timestamps, the audit log).
 */
export const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI_MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');


export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type Leg = Record<string, unknown>;

/**
 * Legs charged to Communications Credits at amounts that do not depend on the order they are settled in. Every
 * meeting (20 legs) has one organizer, as in Graph's reports. Most meetings are the pay-per-minute organizer's:
 * every leg is credits, never the pool: dial-outs to German numbers (domestic for him, allowed by his policy),
 * dial-ins to toll and toll-free bridges. The rest are a subscription organizer's toll dial-ins (free) and
 * toll-free dial-ins (credits). Start times are one a minute from October 1st, all in one month.
 */
export function orderIndependentLegs(count: number, seed: number): Leg[] {
  const random = seededRandom(seed);
  const base = Date.parse('2026-10-01T00:00:00Z');
  const legs: Leg[] = [];
  let ppmMeeting = true;
  for (let i = 0; i < count; i++) {
    if (i % 20 === 0) ppmMeeting = random() < 0.8;
    const kind = random();
    const seconds = 1 + Math.floor(random() * 600);
    const start = new Date(base + i * 60_000).toISOString();
    const common = { id: `cc-${String(i).padStart(5, '0')}`, seconds, start, conferenceId: `conf-${Math.floor(i / 20)}` };
    if (!ppmMeeting) {
      if (kind < 0.7) legs.push(leg({ ...common, organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline }));
      else legs.push(leg({ ...common, organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true }));
    } else if (kind < 0.4) legs.push(leg({ ...common, organizer: USERS.ppm, number: NUMBERS.deLandline }));
    else if (kind < 0.6) legs.push(leg({ ...common, organizer: USERS.ppm, number: NUMBERS.deMobile }));
    else if (kind < 0.85) legs.push(leg({ ...common, organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline }));
    else legs.push(leg({ ...common, organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true }));
  }
  return legs;
}

/**
 * A mix that exercises every payer, including the dial-out pool. Every meeting (25 legs) has one organizer:
 * - a subscription organizer (most meetings): dial-outs to Zone A (the pool, then credits once the pool is used up,
 *   one leg split between the two), outside Zone A (credits), toll dial-ins (subscription), toll-free (credits);
 * - the add-on organizer: US dial-outs (add-on), UK dial-outs (pool), toll dial-ins;
 * - the pay-per-minute organizer: German dial-outs and dial-ins (credits).
 * Start times are strictly increasing (one every 80 s from October 1st, all in October) and ids follow them, so
 * the file is already in the order intake settles in (start time, then id).
 */
export function mixedLegs(count: number, seed: number): Leg[] {
  const random = seededRandom(seed);
  const base = Date.parse('2026-10-01T00:00:00Z');
  const zoneA = [NUMBERS.usLandline, NUMBERS.gbLandline, NUMBERS.caLandline, NUMBERS.frLandline, NUMBERS.deLandline];
  const legs: Leg[] = [];
  let organizer: string = USERS.sub;
  for (let i = 0; i < count; i++) {
    if (i % 25 === 0) {
      const o = random();
      organizer = o < 0.65 ? USERS.sub : o < 0.8 ? USERS.addon : USERS.ppm;
    }
    const kind = random();
    const seconds = Math.floor(random() * 900); // 0 s legs too: unanswered, free
    const start = new Date(base + i * 80_000).toISOString();
    const common = { id: `crash-${String(i).padStart(6, '0')}`, seconds, start, conferenceId: `meet-${Math.floor(i / 25)}`, organizer };
    if (organizer === USERS.sub) {
      if (kind < 0.65) legs.push(leg({ ...common, number: zoneA[Math.floor(random() * zoneA.length)]! }));
      else if (kind < 0.72) legs.push(leg({ ...common, number: NUMBERS.aeLandline }));
      else if (kind < 0.92) legs.push(leg({ ...common, callType: 'conf_in', number: NUMBERS.usLandline }));
      else legs.push(leg({ ...common, callType: 'conf_in', number: NUMBERS.usTollFree, tollFree: true }));
    } else if (organizer === USERS.addon) {
      if (kind < 0.5) legs.push(leg({ ...common, number: NUMBERS.usLandline }));
      else if (kind < 0.7) legs.push(leg({ ...common, number: NUMBERS.gbLandline }));
      else legs.push(leg({ ...common, callType: 'conf_in', number: NUMBERS.usLandline }));
    } else if (kind < 0.5) legs.push(leg({ ...common, number: NUMBERS.deLandline }));
    else if (kind < 0.7) legs.push(leg({ ...common, number: NUMBERS.deMobile }));
    else legs.push(leg({ ...common, callType: 'conf_in', number: NUMBERS.deLandline }));
  }
  return legs;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a Graph getPstnCalls page, the shape `calls import` expects. */
export function writeGraphPage(file: string, legs: readonly Leg[]): string {
  fs.writeFileSync(file, JSON.stringify({ '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata', value: legs }));
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** kill -9 of the whole process tree (tsx runs the CLI in a child node process of its own). */
  kill9(): void;
}

const running = new Set<CliProcess>();

/**
 * Starts `node node_modules/.bin/tsx src/cli/main.ts <args>` with DATABASE_URL. It is the leader of a process group
 * of its own, so kill9() reaches tsx's child too: a SIGKILL cannot be forwarded, and killing only tsx would leave
 * the importer running.
 */
export function startCli(args: string[], databaseUrl: string): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };
  delete env.LOG_LEVEL;
  const child = spawn(process.execPath, [TSX, CLI_MAIN, ...args], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let exited = false;
  const proc: CliProcess = {
    child,
    done: new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        exited = true;
        running.delete(proc);
        resolve({ code, signal, stdout, stderr });
      });
    }),
    kill9: () => {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
  };
  running.add(proc);
  return proc;
}

/** For afterAll: no importer outlives its test, even one that failed half-way. */
export async function killAllStartedClis(): Promise<void> {
  const left = [...running];
  for (const p of left) p.kill9();
  await Promise.all(left.map((p) => p.done.catch(() => undefined)));
}

/** The `--json` summary of `calls import`. */
export interface ImportSummary {
  accepted: number;
  duplicates: number;
  conflicts: number;
  ignored: number;
  rejected: unknown[];
  charged: number;
  chargedLegs: number;
  autoRecharges: number;
  records: number;
  currency: string;
}

export function importSummary(result: CliResult): ImportSummary {
  try {
    return JSON.parse(result.stdout) as ImportSummary;
  } catch {
    throw new Error(`calls import printed no JSON summary (exit ${result.code}, signal ${result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}

export async function countLegs(db: Db, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('legs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Everything a settled import leaves behind for one tenant, by content: no created_at / updated_at / purchased_at
 * (the CLI runs on the wall clock), no audit rows. Rows are in a fixed order so two snapshots compare with toEqual.
 */
export async function tenantSnapshot(db: Db, tenantId: string) {
  const tenant = await db
    .selectFrom('tenants')
    .select(['balance_micros', 'last_entry_seq', 'funded_total_micros', 'last_leg_seq'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const legs = await db
    .selectFrom('legs')
    .select(['id', 'status', 'paid_by', 'billed_seconds', 'pool_seconds', 'credit_seconds', 'charge_micros', 'flags', 'settled_seq'])
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  const entries = await db
    .selectFrom('ledger_entries')
    .select(['seq', 'kind', 'amount_micros', 'balance_after_micros', 'leg_id', 'memo', 'actor'])
    .where('tenant_id', '=', tenantId)
    .orderBy('seq')
    .execute();
  const lots = await db
    .selectFrom('funding_lots')
    .select(['entry_seq', 'amount_micros', 'cumulative_end_micros', 'expired_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('entry_seq')
    .execute();
  const pool = await db.selectFrom('pool_usage').select(['month', 'used_seconds']).where('tenant_id', '=', tenantId).orderBy('month').execute();
  const meetings = await db
    .selectFrom('meetings')
    .select([
      'conference_id', 'organizer_id', 'legs', 'billed_seconds', 'pool_seconds', 'charge_micros', 'subscription_legs',
      'pool_legs', 'credits_legs', 'addon_legs', 'flagged_legs', 'first_start_at', 'last_end_at',
    ])
    .where('tenant_id', '=', tenantId)
    .orderBy('conference_id')
    .execute();
  return {
    tenant: {
      balance: num(tenant.balance_micros),
      lastEntrySeq: num(tenant.last_entry_seq),
      fundedTotal: num(tenant.funded_total_micros),
      lastLegSeq: num(tenant.last_leg_seq),
    },
    legs: legs.map((l) => ({
      id: l.id,
      status: l.status,
      paidBy: l.paid_by,
      billed: num(l.billed_seconds),
      pool: num(l.pool_seconds),
      credit: num(l.credit_seconds),
      charge: num(l.charge_micros),
      flags: l.flags,
      settledSeq: num(l.settled_seq),
    })),
    entries: entries.map((e) => ({
      seq: num(e.seq),
      kind: e.kind,
      amount: num(e.amount_micros),
      balanceAfter: num(e.balance_after_micros),
      legId: e.leg_id,
      memo: e.memo,
      actor: e.actor,
    })),
    lots: lots.map((l) => ({ entrySeq: num(l.entry_seq), amount: num(l.amount_micros), cumulativeEnd: num(l.cumulative_end_micros), expired: l.expired_at !== null })),
    pool: pool.map((p) => ({ month: p.month, used: num(p.used_seconds) })),
    meetings: meetings.map((m) => ({
      ...m,
      legs: num(m.legs),
      billed_seconds: num(m.billed_seconds),
      pool_seconds: num(m.pool_seconds),
      charge_micros: num(m.charge_micros),
      subscription_legs: num(m.subscription_legs),
      pool_legs: num(m.pool_legs),
      credits_legs: num(m.credits_legs),
      addon_legs: num(m.addon_legs),
      flagged_legs: num(m.flagged_legs),
    })),
  };
}

export type TenantSnapshot = Awaited<ReturnType<typeof tenantSnapshot>>;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What "every leg charged exactly once" means in a tenant's snapshot, as a list of problems (empty when it holds):
 * the legs are exactly `legIds`; each charged leg has one charge entry, of its charge, and no entry points at a leg
 * that is not charged; the entries are numbered 1..n with each balance_after the one before plus the amount; the
 * cached balance is their sum; every leg has a settlement number of its own.
 */
export function chargedOnceProblems(snap: TenantSnapshot, legIds: readonly string[]): string[] {
  const problems: string[] = [];
  const stored = snap.legs.map((l) => l.id);
  const expected = [...legIds].sort();
  if (stored.length !== expected.length || stored.some((id, i) => id !== expected[i])) {
    const have = new Set(stored);
    const want = new Set(expected);
    problems.push(`legs: ${stored.length} stored, ${expected.length} expected; missing ${expected.filter((id) => !have.has(id)).slice(0, 5)}; extra ${stored.filter((id) => !want.has(id)).slice(0, 5)}`);
  }
  const entries = new Map<string, number[]>();
  for (const e of snap.entries.filter((x) => x.kind === 'charge')) entries.set(e.legId!, [...(entries.get(e.legId!) ?? []), e.amount!]);
  const charged = snap.legs.filter((l) => l.charge! > 0);
  for (const l of charged) {
    const amounts = entries.get(l.id) ?? [];
    if (amounts.length !== 1 || amounts[0] !== -l.charge!) problems.push(`leg ${l.id} (charge ${l.charge}): entries ${JSON.stringify(amounts)}`);
  }
  const chargedIds = new Set(charged.map((l) => l.id));
  for (const id of entries.keys()) if (!chargedIds.has(id)) problems.push(`a charge entry for ${id}, which is not charged`);
  let sum = 0;
  snap.entries.forEach((e, i) => {
    sum += e.amount!;
    if (e.seq !== i + 1 || e.balanceAfter !== sum) problems.push(`entry ${i}: seq ${e.seq}, balance_after ${e.balanceAfter}, expected ${sum}`);
  });
  if (snap.tenant.balance !== sum) problems.push(`balance ${snap.tenant.balance} != sum of entries ${sum}`);
  if (snap.tenant.lastEntrySeq !== snap.entries.length) problems.push(`last_entry_seq ${snap.tenant.lastEntrySeq}, ${snap.entries.length} entries`);
  if (new Set(snap.legs.map((l) => l.settledSeq)).size !== snap.legs.length) problems.push('two legs share a settlement number');
  return problems.slice(0, 20);
}
