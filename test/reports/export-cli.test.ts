import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { LEGS_REPORT_COLUMNS } from '../../src/reports/legs-report';
import { ADMIN_CENTER_COLUMNS } from '../../src/usage/admin-center-row';
import { cli } from '../support/cli-runner';
import { describeEachEngine, createTestDatabase, type TestDatabase } from '../support/engines';
import { NUMBERS, TEST_RATES_CSV, USERS, USERS_CSV, leg } from '../support/fixtures';

describeEachEngine('tollgate export', (engine) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const rows = (csv: string): string[][] => parse(csv, { relax_column_count: false });

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    env = { DATABASE_URL: database.url };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-export-'));
    expect((await cli(['tenant', 'init', 'ex-t', '--country', 'US', '--currency', 'usd', '--pool-licenses', '1'], env)).code).toBe(0);
    expect((await cli(['tenant', 'init', 'other-t', '--country', 'US', '--currency', 'usd'], env)).code).toBe(0);
    expect((await cli(['rates', 'load', file('rates.csv', TEST_RATES_CSV), '--tenant', 'ex-t'], env)).code).toBe(0);
    expect((await cli(['users', 'import', file('users.csv', USERS_CSV), '--tenant', 'ex-t'], env)).code).toBe(0);
    expect((await cli(['credits', 'add', '100', '--tenant', 'ex-t', '--memo', 'PO 7, "rush"'], env)).code).toBe(0);
    const calls = file('calls.json', JSON.stringify({ value: [
      { ...leg({ id: 'e1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, start: '2026-11-01T00:00:00Z', conferenceId: 'conf-x' }), userDisplayName: 'PerMinute, Pay "PPM"' },
      leg({ id: 'e2', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 90, start: '2026-11-10T10:00:00Z', conferenceId: 'conf-x' }),
      leg({ id: 'e3', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60, start: '2026-11-10T10:00:00Z', conferenceId: 'conf-y' }),
      leg({ id: 'e4', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-30T23:59:59Z', conferenceId: 'conf-z' }),
      leg({ id: 'e5', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-12-01T00:00:00Z', conferenceId: 'conf-z' }),
      leg({ id: 'e0', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-10-31T23:59:59Z', conferenceId: 'conf-z' }),
    ] }));
    expect((await cli(['calls', 'import', calls, '--tenant', 'ex-t'], env)).code).toBe(0);
  });
  afterAll(async () => {
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the admin center's 20 columns in its order, then Tollgate's five", async () => {
    const r = await cli(['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-30'], env);
    expect(r.code).toBe(0);
    const [header] = rows(r.out);
    expect(header).toEqual([...ADMIN_CENTER_COLUMNS, 'Paid By', 'Billed Minutes', 'Pool Minutes', 'Tollgate Charge', 'Flags']);
    expect(header).toEqual(LEGS_REPORT_COLUMNS);
    expect(r.out.split('\r\n')[0]).toBe(LEGS_REPORT_COLUMNS.join(','));
  });

  it('writes one row per leg starting in the range (both days inclusive), in start order, and round-trips through csv-parse', async () => {
    const r = await cli(['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'csv'], env);
    const [header, ...body] = rows(r.out);
    const records = body.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i]])));
    expect(records.map((x) => x.UsageId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    for (const cells of body) expect(cells).toHaveLength(25);
    expect(records[0]).toMatchObject({
      'Call Type': 'conf_out',
      'Destination Number': NUMBERS.deLandline,
      'Conference ID': 'conf-x',
      'AAD ObjectId': USERS.ppm,
      'Duration Seconds': '600',
      'Paid By': 'credits',
      'Billed Minutes': '10',
      'Pool Minutes': '0',
      'Tollgate Charge': '0.600000',
    });
    expect(records[1]).toMatchObject({ 'Billed Minutes': '2', 'Pool Minutes': '2', 'Tollgate Charge': '0.000000', 'Paid By': 'pool' });
  });

  it('quotes fields holding commas and quotes (RFC 4180)', async () => {
    const r = await cli(['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-01'], env);
    expect(r.out).toContain('"PerMinute, Pay ""PPM"""');
    const [header, first] = rows(r.out);
    expect(first![header!.indexOf('User Display Name')]).toBe('PerMinute, Pay "PPM"');
  });

  it('pages through the range by (start time, id) without losing or repeating a leg', async () => {
    const { writeLegsCsv } = await import('../../src/reports/legs-report');
    const { openStore } = await import('../../src/store/database');
    const store = await openStore(database.url);
    try {
      let csv = '';
      const n = await writeLegsCsv(store, 'ex-t', { from: '2026-10-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' }, (c) => void (csv += c), 2);
      expect(n).toBe(6);
      expect(rows(csv).slice(1).map((c) => c[0])).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    } finally {
      await store.close();
    }
  });

  it('writes to --out and says how many legs', async () => {
    const out = path.join(dir, 'legs.csv');
    const r = await cli(['export', '--tenant', 'ex-t', '--from', '2026-12-01', '--to', '2026-12-31', '--out', out], env);
    expect(r).toMatchObject({ code: 0, out: `1 legs written to ${out}\n` });
    expect(rows(fs.readFileSync(out, 'utf8')).map((c) => c[0])).toEqual(['UsageId', 'e5']);
    expect(fs.existsSync(`${out}.partial`)).toBe(false);
  });

  it('exports the statement: date, kind, amount, balance after, memo, actor', async () => {
    const r = await cli(['export', 'statement', '--tenant', 'ex-t'], env);
    expect(r.code).toBe(0);
    const [header, ...body] = rows(r.out);
    expect(header).toEqual(['Date', 'Kind', 'Amount', 'Balance After', 'Memo', 'Actor']);
    expect(body[0]!.slice(1)).toEqual(['funding', '100.000000', '100.000000', 'PO 7, "rush"', 'cli']);
    const charges = body.slice(1);
    expect(charges.map((c) => c[1])).toEqual(['charge', 'charge', 'charge', 'charge']);
    expect(charges.map((c) => c[2]).sort()).toEqual(['-0.060000', '-0.060000', '-0.060000', '-0.600000']);
    // Each balance after is the one before plus the amount, to the micro.
    const m = (x: string) => Math.round(Number(x) * 1e6);
    for (let i = 1; i < body.length; i++) expect(m(body[i]![3]!)).toBe(m(body[i - 1]![3]!) + m(body[i]![2]!));
    for (const c of body) expect(Number.isNaN(Date.parse(c[0]!))).toBe(false);
    const future = await cli(['export', 'statement', '--tenant', 'ex-t', '--from', '2030-01-01', '--to', '2030-01-31'], env);
    expect(rows(future.out)).toHaveLength(1);
  });

  it.each([
    [['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-30']],
    [['export', '--tenant', 'ex-t', '--from', '2026-12-01', '--to', '2026-12-31', '--out', 'OUT']],
    [['export', 'statement', '--tenant', 'ex-t']],
    [['export', '--tenant', 'nobody', '--from', '2026-11-01', '--to', '2026-11-30']],
    [['export', '--tenant', 'ex-t', '--from', '2026-11-01']],
    [['export', '--help']],
  ])('as its own program (what `tollgate export` runs) answers as the whole CLI does: %j', async (args) => {
    const { runExportCli } = await import('../../src/cli/export-commands');
    const out = path.join(dir, 'own-program.csv');
    const argv = args.map((a) => (a === 'OUT' ? out : a));
    const written = () => {
      const file = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
      fs.rmSync(out, { force: true });
      return file;
    };
    const whole = await cli(argv, env);
    const wholeFile = written();
    let stdout = '';
    let stderr = '';
    const code = await runExportCli(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s), env });
    expect({ code, out: stdout, err: stderr, file: written() }).toEqual({ code: whole.code, out: whole.out, err: whole.err, file: wholeFile });
    expect(whole.out.length + whole.err.length + (wholeFile?.length ?? 0)).toBeGreaterThan(0);
  });

  it('runs as `tollgate export` from the command line (bin/tollgate.js, its own program) and writes what runCli writes', async () => {
    const args = ['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-30'];
    const child = spawnSync(process.execPath, [path.join(__dirname, '../../bin/tollgate.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
    expect(child.stdout).toBe((await cli(args, env)).out);
    expect(rows(child.stdout)).toHaveLength(5);
  });

  it.each([
    [['export', '--tenant', 'ex-t', '--from', '2026-11-01']],
    [['export', '--from', '2026-11-01', '--to', '2026-11-30']],
    [['export', '--tenant', 'ex-t', '--from', '2026-13-01', '--to', '2026-11-30']],
    [['export', '--tenant', 'ex-t', '--from', '2026-11-30', '--to', '2026-11-01']],
    [['export', '--tenant', 'ex-t', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'xlsx']],
    [['export', '--tenant', 'nobody', '--from', '2026-11-01', '--to', '2026-11-30']],
    [['export', 'statement', '--tenant', 'nobody']],
    [['export', 'statement']],
    [['export', 'statement', '--tenant', 'ex-t', '--from', 'yesterday']],
  ])('refuses bad input with exit 2 and writes nothing: %j', async (args) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });
});
