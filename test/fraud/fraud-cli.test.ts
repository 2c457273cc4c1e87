import { openStore } from '../../src/store/database';
import { cli } from '../support/cli-runner';
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../support/engines';
import { leg, NUMBERS, T, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';

describeEachEngine('tollgate incidents and tollgate fraud', (engine) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    env = { DATABASE_URL: database.url };
    const store = await openStore(database.url);
    try {
      const { tollgate } = await setUpFraudTenant(store);
      const r = await tollgate.intake.ingest(T, [
        leg({ id: 'p-1', number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z', conferenceId: 'conf-a' }),
        leg({ id: 'p-2', number: FRAUD_NUMBERS.ukPremium(1), seconds: 1200, start: '2026-11-10T16:05:00Z', conferenceId: 'conf-b' }),
        leg({ id: 'ok', number: NUMBERS.usLandline, seconds: 300, start: '2026-11-10T16:06:00Z', conferenceId: 'conf-a' }),
      ]);
      if (!r.ok) throw new Error(r.message);
    } finally {
      await store.close();
    }
  });
  afterAll(async () => database.drop());

  it('incidents --json lists the open incidents with what happened', async () => {
    const r = await cli(['incidents', '--tenant', T, '--json'], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    const list = JSON.parse(r.out);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      organizerId: USERS.sub,
      organizerUpn: 'sub@contoso.example',
      pattern: 'premium_rate',
      status: 'open',
      legs: 2,
      dialOutSeconds: 1800,
      costMicros: 45_000_000,
      blockTarget: '+449',
      detail: { pattern: 'premium_rate', ratePerMinuteMicros: 1_500_000, ceilingMicros: 1_000_000 },
      summary: '2 dial-outs (30 min) to numbers starting +449 at $1.50/min, above the $1.00/min rate ceiling.',
    });
  });

  it('incidents (human), one incident with its meetings, then a decision', async () => {
    const human = await cli(['incidents', '--tenant', T], env);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/LATEST CALL \(UTC\)\s+INCIDENT\s+ORGANIZER\s+PATTERN/);
    expect(human.out).toContain('sub@contoso.example  premium_rate');
    expect(human.out).toContain('$45.00');
    const id = JSON.parse((await cli(['incidents', '--tenant', T, '--json'], env)).out)[0].id as string;

    const shown = await cli(['fraud', 'incident', id, '--tenant', T], env);
    expect(shown.out).toContain('Calls to a high-cost destination (premium_rate), Open');
    expect(shown.out).toContain('Meetings:    conf-b (1), conf-a (1)');

    const blocked = await cli(['fraud', 'incident', id, 'block', '--tenant', T], env);
    expect(blocked).toMatchObject({ code: 0, err: '' });
    expect(blocked.out).toContain(`incident ${id}: +449 added to the block list`);
    expect(blocked.out).toContain('Resolved: destination blocked');
    expect((await cli(['incidents', '--tenant', T], env)).out).toBe('No open toll-fraud incidents.\n');
    expect((await cli(['incidents', '--tenant', T, '--all'], env)).out).toContain(id);
    const settings = JSON.parse((await cli(['fraud', 'settings', '--tenant', T, '--json'], env)).out);
    expect(settings.blockList.map((b: { target: string; added_by: string }) => [b.target, b.added_by])).toEqual([['+449', 'cli']]);
  });

  it('fraud set, blocking and block/unblock change the settings; settings shows them', async () => {
    expect(await cli(['fraud', 'set', 'rate-ceiling', '0.75', '--tenant', T], env)).toMatchObject({ code: 0, out: 'rate-ceiling: $1.00/min -> $0.75/min\n' });
    expect(await cli(['fraud', 'set', 'timezone', 'us', 'America/New_York', '--tenant', T], env)).toMatchObject({ code: 0, out: 'timezone US: America/Chicago -> America/New_York\n' });
    expect(await cli(['fraud', 'set', 'rule', 'night_hours', 'off', '--tenant', T], env)).toMatchObject({ code: 0, out: 'rule night_hours: on -> off\n' });
    expect(await cli(['fraud', 'blocking', 'on', '--tenant', T], env)).toMatchObject({ code: 0, out: 'blocking: off -> on\n' });
    expect(await cli(['fraud', 'block', 'ke', '--tenant', T], env)).toMatchObject({ code: 0, out: 'KE: blocked\n' });
    const s = await cli(['fraud', 'settings', '--tenant', T], env);
    expect(s.out).toContain('blocking ON');
    expect(s.out).toContain('night_hours off');
    expect(s.out).toMatch(/rate-ceiling\s+\$0\.75\/min/);
    expect(s.out).toContain('Time zones set: US America/New_York');
    expect(s.out).toContain('Block list: +449, KE'); // +449 from the incident blocked above
    expect(await cli(['fraud', 'unblock', 'KE', '--tenant', T], env)).toMatchObject({ code: 0, out: 'KE: unblocked\n' });
  });

  it('bad input: one line on stderr, exit 2, nothing written', async () => {
    const before = (await cli(['fraud', 'settings', '--tenant', T, '--json'], env)).out;
    for (const [args, message] of [
      [['fraud', 'set', 'rate-ceiling', 'lots', '--tenant', T], 'rate-ceiling:'],
      [['fraud', 'set', 'night-hours', '5-5', '--tenant', T], 'night-hours takes the first and the end hour'],
      [['fraud', 'set', 'timezone', 'US', 'Mars/Olympus', '--tenant', T], '"Mars/Olympus" is not a time zone name'],
      [['fraud', 'blocking', 'sometimes', '--tenant', T], 'blocking takes on or off'],
      [['fraud', 'block', 'Nigeria', '--tenant', T], '"Nigeria" is not a destination to block'],
      [['fraud', 'unblock', '+999', '--tenant', T], '+999 is not on the block list'],
      [['fraud', 'incident', 'nope', 'dismiss', '--tenant', T], 'There is no incident nope'],
      [['fraud', 'incident', 'nope', 'forgive', '--tenant', T], 'the decision must be restrict, block or dismiss'],
      [['incidents', '--tenant', 'no-such-tenant'], 'unknown tenant no-such-tenant'],
    ] as const) {
      const r = await cli([...args], env);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.err).toContain(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await cli(['fraud', 'settings', '--tenant', T, '--json'], env)).out).toBe(before);
  });
});
