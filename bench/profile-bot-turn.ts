import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../src/store/database';
import { createTollgate } from '../src/tollgate';
import { systemClock } from '../src/time/clock';
import { silentLogger } from '../src/observability/logger';
import { DEMO_TENANT_ID, seedDemoIfEmpty } from '../src/demo/seed-demo';
import { createHarness, type Person } from '../test/bot/support/bot-harness';
import { loadAverage1m } from './support/activities';

/**
 * The bot's own work per turn, without HTTP or the connector: `balance` and `meeting last` in turn, as the bot
 * latency benchmark sends them, through the tests' bot harness on the demo seed (SQLite, a temp file). Prints the
 * statements each command runs, then this process's CPU time per turn over BENCH_TURNS turns in 50 conversations.
 * Steadier than the HTTP benchmark on a busy machine, and quick to run on two trees one after the other.
 *
 *   npx tsx bench/profile-bot-turn.ts                   # statements and CPU per turn
 *   BENCH_TURNS=3000 node --cpu-prof --cpu-prof-dir=/tmp/prof -r tsx/cjs bench/profile-bot-turn.ts
 */
const statements: string[] = [];
// Only while the statements of one command are listed: the measured turns pay nothing for the listing.
let recording = false;
const database = BetterSqlite3.prototype as unknown as { prepare(this: BetterSqlite3.Database, text: string): BetterSqlite3.Statement };
const prepare = database.prepare;
database.prepare = function (text) {
  const statement = prepare.call(this, text);
  // Counted per run, not per prepare: statements are prepared once and kept (src/store/database.ts).
  for (const method of ['all', 'run', 'get'] as const) {
    const run = statement[method].bind(statement) as (...args: unknown[]) => unknown;
    (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (recording) statements.push(text.replace(/\s+/g, ' ').trim().slice(0, 110));
      return run(...args);
    };
  }
  return statement;
};

async function main(): Promise<void> {
  const turns = Number(process.env.BENCH_TURNS ?? 1500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bot-turn-'));
  const store = await openStore(`sqlite:${path.join(dir, 'tollgate.db')}`);
  try {
    const tollgate = createTollgate(store, systemClock, silentLogger, { bootstrapAdmins: [] });
    await seedDemoIfEmpty(tollgate);
    const h = createHarness(tollgate);
    const who: Person = { aadObjectId: '00000000-0000-0000-0000-0000000000020', teamsId: '29:alex', name: 'Alex Wilber' };
    const say = (i: number) => h.say(i % 2 === 0 ? 'balance' : 'meeting last', who, { tenantId: DEMO_TENANT_ID, conversationId: `a:turn-${i % 50}` });
    // Every conversation once (its reference stored), and the code warm.
    for (let i = 0; i < 300; i++) await say(i);
    for (const [i, command] of ['balance', 'meeting last'].entries()) {
      statements.length = 0;
      recording = true;
      const cards = await say(i);
      recording = false;
      process.stdout.write(`${command}: ${statements.length} statements, card "${cards[0]?.text.slice(0, 50).replace(/\n/g, ' ')}"\n`);
      for (const s of statements) process.stdout.write(`    ${s}\n`);
    }
    const before = process.cpuUsage();
    for (let i = 0; i < turns; i++) await say(i);
    const cpu = process.cpuUsage(before);
    process.stdout.write(`CPU per turn: ${((cpu.user + cpu.system) / 1000 / turns).toFixed(2)} ms over ${turns} turns (load average ${loadAverage1m()})\n`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
