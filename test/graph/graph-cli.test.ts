import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cli } from '../support/cli-runner';
import type { Store } from '../../src/store/database';
import { findGraphSyncCursor } from '../../src/store/graph-sync-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { setUpTenant, T } from '../support/fixtures';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph, type FakeGraph } from './support/fake-graph';
import { pstnRows } from './support/pstn-rows';

const ROOT = path.join(__dirname, '..', '..');
const DAY = 24 * 60 * 60 * 1000;


interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * The real `tollgate` executable in a process of its own, wired as in production (config from the environment,
 * msal, Node's fetch); the fake's self-signed certificate is trusted the standard way, NODE_EXTRA_CA_CERTS.
 */
function tollgate(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Finished> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'tollgate.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
  return { child, done };
}

describeEachEngine('tollgate graph sync', (engine) => {
  let fake: FakeGraph;
  let store: Store;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    fake = await startFakeGraph({ pageSize: 3 });
    let database;
    ({ store, database, cleanup } = await freshStore(engine));
    await setUpTenant(store, { fund: '100' });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: database.url,
      GRAPH_CLIENT_ID: CLIENT_ID,
      GRAPH_CLIENT_SECRET: CLIENT_SECRET,
      GRAPH_BASE_URL: fake.graphBaseUrl,
      LOGIN_BASE_URL: fake.loginBaseUrl,
      NODE_EXTRA_CA_CERTS: fake.caFile,
    };
  });
  afterEach(async () => {
    await cleanup();
    await fake.close();
  });

  async function legCount(): Promise<number> {
    const r = await store.db.selectFrom('legs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', T).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it('imports a 100-day range in two windows, shows progress per page on stderr and the summary on stdout; a rerun imports nothing new', async () => {
    const rows = [...pstnRows(5, new Date('2025-01-10T09:00:00Z'), 7 * DAY, 'w1'), ...pstnRows(2, new Date('2025-04-03T09:00:00Z'), DAY, 'w2')];
    fake.rows.set(T, rows);
    fake.fault = (r) => (r.skip === 3 && r.attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined);

    const first = await tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-01-01', '--to', '2025-04-10'], env).done;
    expect(first.err.split('\n').filter(Boolean)).toEqual([
      'window 1/2 2025-01-01..2025-04-01 page 1: 3 records, 3 new legs, 0 duplicates, 0 rejected',
      'window 1/2 2025-01-01..2025-04-01 page 2: 5 records, 5 new legs, 0 duplicates, 0 rejected',
      'window 2/2 2025-04-01..2025-04-11 page 1: 7 records, 7 new legs, 0 duplicates, 0 rejected',
    ]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^graph sync tenant-a 2025-01-01T00:00:00.000Z \.\. 2025-04-11T00:00:00.000Z: 2 windows, 3 pages, 7 records: 6 accepted, 0 duplicates, 0 conflicts, 1 ignored, 0 rejected; charged \$\d+\.\d\d\n$/);
    expect(fake.windows()).toEqual([
      ['2025-01-01T00:00:00Z', '2025-04-01T00:00:00Z'],
      ['2025-04-01T00:00:00Z', '2025-04-11T00:00:00Z'],
    ]);
    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[0, 200], [3, 429], [3, 200], [0, 200]]);
    expect(await legCount()).toBe(7);

    const again = await tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-01-01', '--to', '2025-04-10', '--json'], env).done;
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ records: 7, accepted: 0, ignored: 0, duplicates: 7, charged: 0, complete: true, windows: 2, currency: 'USD' });
    expect(await legCount()).toBe(7);
  });

  it('killed mid-way: the tenant stays held until the lease runs out, then the next run resumes at the page it stopped on', async () => {
    fake.rows.set(T, pstnRows(11, new Date('2025-06-02T09:00:00Z')));
    let hung = false;
    fake.fault = (r) => (r.skip === 6 && !hung ? ((hung = true), 'hang') : undefined);
    const run = tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-06-01', '--to', '2025-06-30'], env);
    fake.onHang = () => run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(await legCount()).toBe(6);

    const busy = await tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-06-01', '--to', '2025-06-30'], env).done;
    expect(busy.code).toBe(3);
    expect(busy.err).toMatch(/^tollgate: A Graph sync of tenant tenant-a is already running/);

    // The killed run's lease runs out (two minutes without a sign of life).
    await store.db.updateTable('graph_sync_cursors').set({ lease_until: new Date(Date.now() - 1000).toISOString() }).where('tenant_id', '=', T).execute();
    fake.requests.length = 0;
    const resumed = await tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-06-01', '--to', '2025-06-30'], env).done;
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/\(resumed\): 1 window, 2 pages, 5 records: \d+ accepted, 0 duplicates/);
    expect(fake.requests.map((r) => r.skip)).toEqual([6, 9]);
    expect(await legCount()).toBe(11);
  });

  it('Ctrl-C stops between pages, lets go of the tenant, and says how to resume', async () => {
    fake.rows.set(T, pstnRows(9, new Date('2025-06-02T09:00:00Z')));
    let hung = false;
    fake.fault = (r) => (r.skip === 3 && !hung ? ((hung = true), 'hang') : undefined);
    const run = tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-06-01', '--to', '2025-06-30'], env);
    fake.onHang = () => run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(3);
    expect(stopped.out).toMatch(/1 pages, 3 records: .*\(incomplete\)\n$/);
    expect(stopped.err).toMatch(/the sync was stopped after 1 pages; run it again to resume where it stopped/);
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ lease_owner: null, next_link: expect.stringMatching(/skiptoken=3$/) });

    const resumed = await tollgate(['graph', 'sync', '--tenant', T], env).done;
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/\(resumed\)/);
    expect(await legCount()).toBe(9);
  });

  it('bad input, no Graph configuration, an unknown tenant: one line, exit 2, nothing asked of Graph', async () => {
    let r = await cli(['graph', 'sync', '--tenant', T, '--from', '2025-13-01'], env);
    expect(r).toMatchObject({ code: 2, err: 'tollgate: --from must be a date like 2026-11-01, not "2025-13-01"\n' });
    r = await cli(['graph', 'sync', '--tenant', T, '--from', '2025-05-02', '--to', '2025-05-01'], env);
    expect(r).toMatchObject({ code: 2, err: 'tollgate: --from must be on or before --to\n' });
    r = await cli(['graph', 'sync'], env);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/required option '--tenant <tenantId>' not specified/);
    r = await cli(['graph', 'sync', '--tenant', 'nobody'], env);
    expect(r).toMatchObject({ code: 2, err: 'tollgate: unknown tenant nobody: create it with tollgate tenant init\n' });

    const unconfigured = { DATABASE_URL: env.DATABASE_URL };
    r = await cli(['graph', 'sync', '--tenant', T], unconfigured);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe('tollgate: Graph is not configured: set GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (an app registration with CallRecord-PstnCalls.Read.All)\n');
    expect(fake.requests).toEqual([]);
    expect(fake.tokenRequests).toEqual([]);
  });

  it('a Graph failure beyond the retries: what was imported, why it stopped, exit 3', async () => {
    fake.rows.set(T, pstnRows(6, new Date('2025-06-02T09:00:00Z')));
    fake.fault = (r) => (r.skip === 3 ? { status: 403, body: { error: { code: 'Forbidden', message: 'Missing role' } } } : undefined);
    const r = await tollgate(['graph', 'sync', '--tenant', T, '--from', '2025-06-01', '--to', '2025-06-30'], env).done;
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/1 pages, 3 records: .*\(incomplete\)/);
    expect(r.err).toMatch(/tollgate: Graph answered 403: Forbidden: Missing role \(the app needs the application permission CallRecord-PstnCalls.Read.All/);
    expect(r.err).toMatch(/stopped after 1 pages; run it again to resume/);
  });
});
