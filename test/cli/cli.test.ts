import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli } from '../support/cli-runner';
import { describeEachEngine, createTestDatabase, type TestDatabase } from '../support/engines';
import { NUMBERS, TEST_RATES_CSV, USERS, USERS_CSV, leg } from '../support/fixtures';


describeEachEngine('tollgate CLI', (engine) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    env = { DATABASE_URL: database.url };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-cli-'));
  });
  afterEach(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function initTenant() {
    expect((await cli(['tenant', 'init', 'cli-t', '--country', 'US', '--currency', 'usd', '--pool-licenses', '1', '--name', 'Contoso'], env)).code).toBe(0);
    expect((await cli(['rates', 'load', file('rates.csv', TEST_RATES_CSV), '--tenant', 'cli-t'], env)).code).toBe(0);
    expect((await cli(['users', 'import', file('users.csv', USERS_CSV), '--tenant', 'cli-t'], env)).code).toBe(0);
  }

  it('runs the whole admin flow, with --json on every read command', async () => {
    await initTenant();
    let r = await cli(['credits', 'add', '200', '--tenant', 'cli-t', '--memo', 'PO 7'], env);
    expect(r).toMatchObject({ code: 0, out: 'added $200.00; balance $200.00\n' });
    r = await cli(['autorecharge', 'set', '--trigger', '50', '--amount', '100', '--tenant', 'cli-t'], env);
    expect(r.code).toBe(0);
    r = await cli(['policy', 'set', 'dialoutcpczoneapstndomestic', '--tenant', 'cli-t', '--global'], env);
    expect(r).toMatchObject({ code: 0, out: 'global dial-out policy set to DialoutCPCZoneAPSTNDomestic\n' });
    r = await cli(['policy', 'set', 'DialoutCPCandPSTNDisabled', '--tenant', 'cli-t', '--user', 'sub@contoso.example'], env);
    expect(r.code).toBe(0);
    r = await cli(['admins', 'add', 'sub@contoso.example', '--tenant', 'cli-t'], env);
    expect(r).toMatchObject({ code: 0, out: 'sub@contoso.example is now a Tollgate admin\n' });

    const calls = file('calls.json', JSON.stringify({ value: [
      leg({ id: 'c1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-x' }),
      leg({ id: 'c2', organizer: USERS.subNoCredits, number: NUMBERS.gbLandline, seconds: 30 * 60, conferenceId: 'conf-x' }),
      leg({ id: 'c3', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60, conferenceId: 'conf-y' }),
    ] }));
    r = await cli(['calls', 'import', calls, '--tenant', 'cli-t', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ records: 3, accepted: 3, duplicates: 0, charged: 600_000, currency: 'USD' });
    expect(r.progress.length).toBeGreaterThan(0);

    r = await cli(['calls', 'list', '--tenant', 'cli-t', '--conference', 'conf-x', '--json'], env);
    const legs = JSON.parse(r.out);
    expect(legs.map((l: { id: string; callType: string; paidBy: string; billedMinutes: number; poolMinutes: number; chargeMicros: number }) => [l.id, l.callType, l.paidBy, l.billedMinutes, l.poolMinutes, l.chargeMicros])).toEqual([
      ['c1', 'conf_out', 'credits', 10, 0, 600_000],
      ['c2', 'conf_out', 'pool', 30, 30, 0],
    ]);
    expect(legs[0]).toHaveProperty('flags');
    const c3 = JSON.parse((await cli(['calls', 'list', '--tenant', 'cli-t', '--conference', 'conf-y', '--json'], env)).out)[0];
    expect(c3.flags).toEqual(['dialout_blocked_by_policy']);

    r = await cli(['balance', '--tenant', 'cli-t', '--json'], env);
    const balance = JSON.parse(r.out);
    expect(balance).toMatchObject({ balanceMicros: 200_000_000 - 600_000, currency: 'USD', autoRecharge: { enabled: true, triggerMicros: 50_000_000, amountMicros: 100_000_000 } });
    expect(balance.pool).toMatchObject({ totalMinutes: 60 });

    r = await cli(['statement', '--tenant', 'cli-t', '--json'], env);
    expect(JSON.parse(r.out).map((e: { kind: string; amountMicros: number; actor: string | null }) => [e.kind, e.amountMicros])).toEqual([
      ['funding', 200_000_000],
      ['charge', -600_000],
    ]);
    r = await cli(['meetings', '--tenant', 'cli-t', '--json'], env);
    expect(JSON.parse(r.out).map((m: { conferenceId: string; legs: number }) => [m.conferenceId, m.legs]).sort()).toEqual([['conf-x', 2], ['conf-y', 1]]);
    r = await cli(['credits', 'check', '--tenant', 'cli-t', '--json'], env);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true });

    r = await cli(['ingest-key', 'create', '--tenant', 'cli-t'], env);
    expect(r.out).toMatch(/^tg_[a-z0-9]{16}_[A-Za-z0-9_-]{43}\n$/);

    // The human-readable forms say the same things.
    expect((await cli(['balance', '--tenant', 'cli-t'], env)).out).toContain('balance: $199.40 (prepaid)');
    expect((await cli(['calls', 'import', calls, '--tenant', 'cli-t'], env)).out).toContain('3 records: 0 accepted, 3 duplicates');
  });

  it.each([
    [['credits', 'add', '12,50', '--tenant', 'cli-t'], /amount: /],
    [['credits', 'add', '-5', '--tenant', 'cli-t'], /./],
    [['credits', 'add', '1e9', '--tenant', 'cli-t'], /amount: /],
    [['credits', 'add', '0', '--tenant', 'cli-t'], /more than zero/],
    [['credits', 'add', '10'], /--tenant/],
    [['autorecharge', 'set', '--trigger', 'ten', '--amount', '5', '--tenant', 'cli-t'], /--trigger: /],
    [['policy', 'set', 'DialoutEverywhere', '--tenant', 'cli-t', '--global'], /not a dial-out policy/],
    [['policy', 'set', 'DialoutCPCandPSTNDomestic', '--tenant', 'cli-t'], /--global or --user/],
    [['policy', 'set', 'DialoutCPCandPSTNDomestic', '--tenant', 'cli-t', '--user', 'ghost@contoso.example'], /No user ghost/],
    [['tenant', 'init', 'cli-t', '--country', 'USA', '--currency', 'USD'], /two-letter/],
    [['tenant', 'init', 'cli-t', '--country', 'US', '--currency', 'USD'], /already exists/],
    [['admins', 'remove', 'nobody', '--tenant', 'cli-t'], /No user nobody/],
    [['statement', '--tenant', 'cli-t', '--from', '2026-13-01'], /--from must be a date/],
    [['frobnicate'], /unknown command/],
    [['credits', 'add', '10', '--tenant', 'no-such-tenant'], /does not know this tenant/],
  ])('rejects %j with exit 2, one line on stderr, and writes nothing', async (args, message) => {
    await initTenant();
    const before = (await cli(['statement', '--tenant', 'cli-t', '--json'], env)).out;
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    expect((await cli(['statement', '--tenant', 'cli-t', '--json'], env)).out).toBe(before);
  });

  it('refuses a users file with a bad line and imports none of it', async () => {
    await initTenant();
    const bad = `${USERS_CSV}u-bad,bad@contoso.example,Bad,Germany,MCOMEETADV,,maybe\n`;
    const r = await cli(['users', 'import', file('bad.csv', bad.replace('u-sub,', 'u-new,')), '--tenant', 'cli-t'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 7: usageLocation/);
    expect(r.err).toMatch(/line 7: tollFreeDialIn/);
    expect((await cli(['policy', 'set', 'DialoutCPCandPSTNDomestic', '--tenant', 'cli-t', '--user', 'u-new'], env)).code).toBe(2);
  });

  it('refuses a rate card with a bad line and keeps the old card', async () => {
    await initTenant();
    const r = await cli(['rates', 'load', file('bad-rates.csv', `${TEST_RATES_CSV}conf_out,,XX,Nowhere,abc,,60,USD,2024-01-01\n`), '--tenant', 'cli-t'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 13/);
    const calls = file('one.json', JSON.stringify([leg({ id: 'one', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 })]));
    const imported = await cli(['calls', 'import', calls, '--tenant', 'cli-t', '--json'], env);
    expect(JSON.parse(imported.out)).toMatchObject({ charged: 60_000 });
  });

  it('imports the good rows of a file with bad ones, lists what it rejected, and exits 1', async () => {
    await initTenant();
    const calls = file('mixed.json', JSON.stringify([leg({ id: 'ok-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 }), { id: 'broken', callType: 'conf_out' }]));
    const r = await cli(['calls', 'import', calls, '--tenant', 'cli-t'], env);
    expect(r.code).toBe(1);
    expect(r.out).toContain('2 records: 1 accepted');
    expect(r.err).toContain('record 2 (broken): malformed_record');
  });

  it('says what is wrong with a file that is not call records', async () => {
    await initTenant();
    expect((await cli(['calls', 'import', file('x.json', 'hello'), '--tenant', 'cli-t'], env))).toMatchObject({ code: 2, err: expect.stringMatching(/not a Graph page/) });
    expect((await cli(['calls', 'import', path.join(dir, 'missing.json'), '--tenant', 'cli-t'], env))).toMatchObject({ code: 2, err: expect.stringMatching(/no such file/) });
  });

  it('reports a bad DATABASE_URL as a configuration error', async () => {
    const r = await cli(['balance', '--tenant', 'x'], { DATABASE_URL: 'mysql://localhost/x' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/DATABASE_URL: must be sqlite:<file path> or postgres:/);
  });
});
