import { parseCommand } from '../../src/bot/commands/parse-command';
import type { Store } from '../../src/store/database';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { expectValidCard } from '../bot/cards/expect-valid-card';
import { createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, T, USERS, setUpTenant } from '../support/fixtures';
import { seedTwoMonths } from './digest-fixtures';

const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };

describe('parseCommand: digest', () => {
  it.each([
    ['digest', { kind: 'digest', period: { kind: 'last_month' } }],
    ['/Digest last month', { kind: 'digest', period: { kind: 'last_month' } }],
    ['digest this month', { kind: 'digest', period: { kind: 'this_month' } }],
    ['digest 2026-10', { kind: 'digest', period: { kind: 'month', month: '2026-10' } }],
    ['digest for 2026-10', { kind: 'digest', period: { kind: 'month', month: '2026-10' } }],
  ])('%s', (text, expected) => expect(parseCommand(text)).toEqual(expected));

  it.each([
    ['digest 2026-13', /has no month 13/],
    ['digest 2026-1', /two digits: 2026-01/],
    ['digest 7d', /is not a calendar month/],
    ['digest soon', /is not a calendar month/],
  ])('%s is refused with what to type', (text, problem) => {
    const c = parseCommand(text);
    expect(c).toMatchObject({ kind: 'invalid', command: 'digest', problem: expect.stringMatching(problem), usage: expect.stringContaining('digest [last month | YYYY-MM]') });
  });
});

describeEachEngine('digest command', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100', poolLicenses: 1 }));
    await tollgate.directory.setAdmin(T, USERS.sub, true, ADMIN);
    await seedTwoMonths(store, tollgate);
    clock.set(new Date('2026-12-02T09:00:00Z'));
    h = createHarness(tollgate);
  });
  afterAll(async () => cleanup());

  const one = async (text: string, from: Person) => {
    const replies = await h.say(text, from);
    expect(replies).toHaveLength(1);
    return replies[0]!;
  };

  it("shows an admin last month's digest, or the month named", async () => {
    const last = await one('digest', admin);
    expectValidCard(last.card);
    expect(last.text).toContain('Monthly digest\nNovember 2026\n$1.17');
    expect(last.text).toContain('Up $0.37 (+46%) from October 2026 ($0.80).');
    const october = await one('digest 2026-10', admin);
    expect(october.text).toContain('October 2026\n$0.80\n3 calls charged in October 2026');
    expect(october.text).toContain('Up $0.80 from nothing in September 2026.');
  });

  it('refreshes the month it shows, for admins only', async () => {
    const refreshed = await h.execute('refresh.digest', { month: '2026-10' }, admin);
    expect(refreshed.text).toContain('October 2026\n$0.80');
    const odd = await h.execute('refresh.digest', { month: 'next year' }, admin);
    expect(odd.text).toContain('November 2026\n$1.17');
    const refused = await h.execute('refresh.digest', { month: '2026-10' }, organizer);
    expect(refused.text).toContain('This needs a Tollgate admin');
    expect(refused.text).not.toContain('$0.80');
  });

  it('refuses everyone else, and says what to type for a bad month', async () => {
    const refused = await one('digest', organizer);
    expect(refused.text).toContain('Only Tollgate admins can use "digest"');
    expect(refused.text).not.toContain('$1.17');
    const bad = await one('digest 2026-13', admin);
    expect(bad.text).toContain('has no month 13');
  });

  it('is listed in help for admins only', async () => {
    expect((await one('help', admin)).text).toContain('digest [last month | YYYY-MM]');
    expect((await one('help', organizer)).text).not.toContain('digest');
  });
});
