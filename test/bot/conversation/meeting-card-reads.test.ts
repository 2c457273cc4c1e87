import BetterSqlite3 from 'better-sqlite3';
import type { Store } from '../../../src/store/database';
import type { Tollgate } from '../../../src/tollgate';
import { describeEachEngine, freshStore } from '../../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../../support/fixtures';
import { createHarness, type Harness, type Person } from '../support/bot-harness';

/**
 * `meeting last` / `meeting <id>` hand the rows the turn read (the caller, the meeting) to the cost card instead of
 * reading them again: the card must still name the meeting's organizer, not the caller, whenever they differ.
 */

const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };

/**
 * The SQL of every SQLite statement run while `fn` runs. Statements are prepared once and kept (src/store/database.ts),
 * so every statement is wrapped when prepared (this file's stores are opened after this runs) and counted per run.
 */
let recording: string[] | undefined;
const proto = BetterSqlite3.prototype as unknown as { prepare(this: BetterSqlite3.Database, text: string): BetterSqlite3.Statement };
const prepare = proto.prepare;
proto.prepare = function (text) {
  const statement = prepare.call(this, text);
  for (const method of ['all', 'get', 'run'] as const) {
    const run = statement[method].bind(statement) as (...args: unknown[]) => unknown;
    (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      recording?.push(text);
      return run(...args);
    };
  }
  return statement;
};
afterAll(() => {
  proto.prepare = prepare;
});

async function sqliteStatements(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  recording = seen;
  try {
    await fn();
  } finally {
    recording = undefined;
  }
  return seen;
}

describeEachEngine('meeting cost card from the rows the turn read', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let h: Harness;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100', poolLicenses: 2 }));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    const r = await tollgate.intake.ingest(T, [
      leg({ id: 'm1-a', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-ppm', start: '2026-11-10T09:00:00Z' }),
      leg({ id: 'm2-a', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 1800, conferenceId: 'conf-sub', start: '2026-11-12T15:00:00Z' }),
    ]);
    if (!r.ok) throw new Error(r.message);
  });
  beforeEach(() => {
    h = createHarness(tollgate);
  });
  afterAll(async () => cleanup());

  const card = async (text: string, from: Person) => {
    const replies = await h.say(text, from);
    expect(replies).toHaveLength(1);
    return replies[0]!.text;
  };

  it("names the caller when they organized the meeting, and the organizer when an admin looks at someone else's", async () => {
    const own = await card('meeting last', organizer);
    expect(own).toContain('conf-ppm');
    expect(own).toContain('Pay PerMinute');
    const adminsOwn = await card('meeting last', admin);
    expect(adminsOwn).toContain('conf-sub');
    expect(adminsOwn).toContain('Sub Scriber');
    const others = await card('meeting conf-ppm', admin);
    expect(others).toContain('Pay PerMinute');
    expect(others).not.toContain('Sub Scriber');
  });

  if (engine === 'sqlite') {
    it('reads the meeting once, and the caller once when they are its organizer', async () => {
      await card('meeting last', organizer); // the conversation known, the code warm
      const reads = (statements: string[], table: string) => statements.filter((s) => new RegExp(`from "${table}"`, 'i').test(s)).length;
      const last = await sqliteStatements(() => card('meeting last', organizer));
      expect(reads(last, 'meetings')).toBe(1);
      expect(reads(last, 'users')).toBe(1);
      const others = await sqliteStatements(() => card('meeting conf-ppm', admin));
      expect(reads(others, 'meetings')).toBe(1);
      // The admin, then the meeting's organizer: another person.
      expect(reads(others, 'users')).toBe(2);
    });
  }
});
