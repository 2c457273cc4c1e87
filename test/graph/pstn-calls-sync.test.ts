import { GraphSyncError } from '../../src/graph/graph-sync-error';
import { GraphPstnCallsSource } from '../../src/graph/pstn-calls-source';
import { PstnCallsSync, type PstnCallsSyncOptions, type SyncProgress } from '../../src/graph/pstn-calls-sync';
import { silentLogger } from '../../src/observability/logger';
import { openStore, type Store } from '../../src/store/database';
import { findGraphSyncCursor, takeGraphSyncLease } from '../../src/store/graph-sync-store';
import type { FixedClock } from '../../src/time/clock';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { setUpTenant, T } from '../support/fixtures';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph, type FakeGraph } from './support/fake-graph';
import { pstnRows, RATED_TYPES } from './support/pstn-rows';

const NOW = new Date('2026-11-15T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;

describeEachEngine('Graph getPstnCalls sync', (engine) => {
  let fake: FakeGraph;
  let store: Store;
  let databaseUrl: string;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let sleeps: number[];

  beforeEach(async () => {
    fake = await startFakeGraph({ pageSize: 3 });
    let database;
    ({ store, database, cleanup } = await freshStore(engine));
    databaseUrl = database.url;
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100', now: NOW }));
    sleeps = [];
  });
  afterEach(async () => {
    await cleanup();
    await fake.close();
  });

  function source() {
    return new GraphPstnCallsSource({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, graphBaseUrl: fake.graphBaseUrl, loginBaseUrl: fake.loginBaseUrl }, { transport: fake.transport });
  }
  function sync(options: PstnCallsSyncOptions = {}, t: Tollgate = tollgate) {
    return new PstnCallsSync(t, source(), {
      retry: { maxTries: 3, backoffBaseMs: 250 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });
  }
  async function run(s: PstnCallsSync, request: Parameters<PstnCallsSync['run']>[1] = {}) {
    const r = await s.run(T, request);
    if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
    return r.value;
  }
  async function legIds(tenantId = T): Promise<string[]> {
    const rows = await store.db.selectFrom('legs').select('id').where('tenant_id', '=', tenantId).orderBy('id').execute();
    return rows.map((r) => r.id);
  }
  async function balance(tenantId = T): Promise<number> {
    const b = await tollgate.ledger.balance(tenantId);
    if (!b.ok) throw new Error(b.message);
    return b.value.balanceMicros;
  }
  /** What importing the same rows in one go through the intake charges: the reference for "nothing twice". */
  async function referenceBalance(rows: Record<string, unknown>[]): Promise<number> {
    const { tollgate: other } = await setUpTenant(store, { fund: '100', now: NOW }, 'reference-tenant');
    const r = await other.intake.ingest('reference-tenant', rows);
    if (!r.ok) throw new Error(r.message);
    return balance('reference-tenant');
  }
  const ids = (rows: Record<string, unknown>[]) => rows.map((r) => r.id as string).sort();

  it('follows every @odata.nextLink page and imports each row once, with one token from msal for the whole run', async () => {
    const rows = pstnRows(10, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    const pages: SyncProgress[] = [];
    const summary = await run(sync(), { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z'), onPage: (p) => pages.push(p) });

    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[0, 200], [3, 200], [6, 200], [9, 200]]);
    const rated = rows.filter((r) => RATED_TYPES.has(r.callType as string)).length;
    expect(summary).toMatchObject({ complete: true, resumed: false, windows: 1, pages: 4, records: 10, accepted: rated, ignored: 10 - rated, duplicates: 0, conflicts: 0 });
    expect(summary.rejected).toEqual([]);
    expect(summary.charged).toBeGreaterThan(0);
    expect(await legIds()).toEqual(ids(rows));
    expect(await balance()).toBe(await referenceBalance(rows));
    expect(pages.map((p) => [p.window.index, p.window.count, p.page, p.summary.records])).toEqual([[1, 1, 1, 3], [1, 1, 2, 6], [1, 1, 3, 9], [1, 1, 4, 10]]);

    // Client credentials for the tenant's authority, scoped to the configured Graph; cached by msal afterwards.
    expect(fake.tokenRequests).toEqual([{ tenant: T, scope: `${fake.graphBaseUrl}/.default`, clientId: CLIENT_ID }]);
    const cursor = await findGraphSyncCursor(store.db, T);
    expect(cursor).toMatchObject({ window_from: null, next_link: null, synced_to: '2026-11-11T00:00:00.000Z', lease_owner: null, last_error: null });
  });

  it('waits for Retry-After on 429 and 503 (seconds or an HTTP date), backs off without it, and imports nothing twice', async () => {
    const rows = pstnRows(9, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    const retryDate = new Date(NOW.getTime() + 2000).toUTCString();
    fake.fault = (r) => {
      if (r.skip === 3 && r.attempt <= 2) return { status: 429, headers: { 'retry-after': '1' } };
      if (r.skip === 6 && r.attempt === 1) return { status: 503, headers: { 'retry-after': retryDate } };
      if (r.skip === 6 && r.attempt === 2) return { status: 502 };
      return undefined;
    };
    const summary = await run(sync(), { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') });

    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[0, 200], [3, 429], [3, 429], [3, 200], [6, 503], [6, 502], [6, 200]]);
    // 1 s twice; the HTTP date 2 s after the clock's now; then the back-off's second step (250 ms × 2).
    expect(sleeps).toEqual([1000, 1000, 2000, 500]);
    expect(summary).toMatchObject({ complete: true, pages: 3, records: 9, duplicates: 0 });
    expect(await legIds()).toEqual(ids(rows));
    expect(await balance()).toBe(await referenceBalance(rows));
  });

  it('stops after a bounded number of tries on a failure mid-way, keeps its place, and a resume imports the rest and nothing twice', async () => {
    const rows = pstnRows(14, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    let broken = true;
    fake.fault = (r) => (broken && r.skip === 6 ? { status: 500, body: { error: { code: 'InternalServerError', message: 'boom' } } } : undefined);
    const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };

    const failed = await sync().run(T, range).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(GraphSyncError);
    const error = failed as GraphSyncError;
    expect(error.reason).toBe('graph_unavailable');
    expect(error.message).toMatch(/Graph answered 500: InternalServerError: boom; gave up after 3 tries/);
    expect(error.partial).toMatchObject({ pages: 2, records: 6, complete: false });
    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[0, 200], [3, 200], [6, 500], [6, 500], [6, 500]]);
    expect(sleeps).toEqual([250, 500]);
    expect(await legIds()).toEqual(ids(rows.slice(0, 6)));
    const stopped = await findGraphSyncCursor(store.db, T);
    expect(stopped).toMatchObject({ window_from: '2026-11-10T00:00:00.000Z', lease_owner: null, synced_to: null });
    expect(stopped!.next_link).toMatch(/\$skiptoken=6$/);
    expect(stopped!.last_error).toMatch(/gave up after 3 tries/);

    // Graph is back. The same command (or none at all) resumes at page 3.
    broken = false;
    fake.requests.length = 0;
    const resumed = await run(sync(), range);
    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[6, 200], [9, 200], [12, 200]]);
    expect(resumed).toMatchObject({ resumed: true, complete: true, pages: 3, records: 8, duplicates: 0 });
    expect(await legIds()).toEqual(ids(rows));
    expect(await balance()).toBe(await referenceBalance(rows));
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ window_from: null, next_link: null, last_error: null, synced_to: '2026-11-11T00:00:00.000Z' });
  });

  it('splits a 100-day range into two windows of at most 90 days and reads both', async () => {
    const first = pstnRows(4, new Date('2026-01-05T10:00:00Z'), 10 * DAY, 'jan');
    const second = pstnRows(3, new Date('2026-04-02T10:00:00Z'), 2 * DAY, 'apr');
    fake.rows.set(T, [...first, ...second]);
    const summary = await run(sync(), { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-04-11T00:00:00Z') });

    expect(fake.windows()).toEqual([
      ['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'],
      ['2026-04-01T00:00:00Z', '2026-04-11T00:00:00Z'],
    ]);
    expect(summary).toMatchObject({ windows: 2, pages: 3, records: 7, complete: true, from: '2026-01-01T00:00:00.000Z', to: '2026-04-11T00:00:00.000Z' });
    expect(await legIds()).toEqual(ids([...first, ...second]));
  });

  it('a rerun imports nothing new: every row comes back as a duplicate and the balance does not move', async () => {
    const rows = pstnRows(8, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
    await run(sync(), range);
    const before = await balance();
    const entries = (await tollgate.ledger.statement(T, {})).length;

    const again = await run(sync(), range);
    expect(again).toMatchObject({ complete: true, resumed: false, records: 8, accepted: 0, ignored: 0, duplicates: 8, charged: 0 });
    expect(await balance()).toBe(before);
    expect((await tollgate.ledger.statement(T, {})).length).toBe(entries);
    expect(await legIds()).toEqual(ids(rows));
  });

  it('without a range: 7 days back the first time, then from where the last run ended (re-reading two days), up to now', async () => {
    fake.rows.set(T, pstnRows(3, new Date('2026-11-12T08:00:00Z')));
    const first = await run(sync());
    expect(first).toMatchObject({ from: '2026-11-08T12:00:00.000Z', to: '2026-11-15T12:00:00.000Z', records: 3, accepted: expect.any(Number) });
    clock.advance(DAY);
    const second = await run(sync());
    expect(second).toMatchObject({ from: '2026-11-13T12:00:00.000Z', to: '2026-11-16T12:00:00.000Z', accepted: 0 });
    expect(fake.windows()).toEqual([
      ['2026-11-08T12:00:00Z', '2026-11-15T12:00:00Z'],
      ['2026-11-13T12:00:00Z', '2026-11-16T12:00:00Z'],
    ]);
    // An end in the future is clamped to now: what is not there yet must not move the cursor past it.
    const future = await run(sync(), { from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-12-31T00:00:00Z') });
    expect(future.to).toBe('2026-11-16T12:00:00.000Z');
    expect(await sync().run(T, { from: new Date('2026-11-17T00:00:00Z') })).toMatchObject({ ok: false, reason: 'bad_range' });
  });

  it('stopped between pages (shutdown) keeps its place; the next run without a range resumes there', async () => {
    const rows = pstnRows(10, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    const stop = new AbortController();
    const partial = await run(sync(), { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z'), signal: stop.signal, onPage: (p) => p.page === 2 && stop.abort() });
    expect(partial).toMatchObject({ complete: false, pages: 2, records: 6 });
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ lease_owner: null, next_link: expect.stringMatching(/skiptoken=6$/) });

    fake.requests.length = 0;
    const rest = await run(sync());
    expect(rest).toMatchObject({ resumed: true, complete: true, from: '2026-11-10T00:00:00.000Z', to: '2026-11-15T12:00:00.000Z', records: 4, duplicates: 0 });
    // It finishes the window at the page it stopped at, then, asked for no range, goes on up to now.
    expect(fake.requests.map((r) => [r.from, r.skip])).toEqual([
      ['2026-11-10T00:00:00Z', 6],
      ['2026-11-10T00:00:00Z', 9],
      ['2026-11-11T00:00:00Z', 0],
    ]);
    expect(await legIds()).toEqual(ids(rows));
  });

  it('one run per tenant at a time: a held lease refuses a second run until it runs out (a killed run)', async () => {
    fake.rows.set(T, pstnRows(3, new Date('2026-11-10T08:00:00Z')));
    const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
    // A run that was killed: it took the lease and never came back.
    expect(await takeGraphSyncLease(store.db, T, 'killed-run', NOW.toISOString(), new Date(NOW.getTime() + 120_000).toISOString())).toBe(true);
    const busy = await sync().run(T, range);
    expect(busy).toMatchObject({ ok: false, reason: 'graph_sync_busy' });
    expect(!busy.ok && busy.message).toMatch(/already running .*2026-11-15T12:02:00.000Z/);
    expect(fake.requests).toEqual([]);

    clock.advance(120_000);
    expect(await run(sync(), range)).toMatchObject({ complete: true, records: 3 });
  });

  it('two replicas syncing the same tenant at once: exactly one runs, the other is told it is busy', async () => {
    const rows = pstnRows(9, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    fake.delayMs = 30; // the first run is surely still going when the second asks
    const other = await freshStoreOnSameDatabase();
    try {
      const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
      const results = await Promise.all([sync().run(T, range), sync({}, other.tollgate).run(T, range)]);
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ reason: 'graph_sync_busy' })]);
      expect(fake.requests.map((r) => r.skip)).toEqual([0, 3, 6]);
      expect(await legIds()).toEqual(ids(rows));
    } finally {
      await other.close();
    }
  });

  it('says what is wrong: no consent or permission (403), a bad secret, a next page on another host, an unknown tenant', async () => {
    fake.rows.set(T, pstnRows(3, new Date('2026-11-10T08:00:00Z')));
    const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
    fake.fault = () => ({ status: 403, body: { error: { code: 'Forbidden', message: 'Insufficient privileges' } } });
    await expect(sync().run(T, range)).rejects.toMatchObject({ reason: 'graph_forbidden', message: expect.stringMatching(/403.*CallRecord-PstnCalls\.Read\.All/) });
    expect(fake.requests).toHaveLength(1); // not retried
    expect(sleeps).toEqual([]);

    fake.fault = (r) => (r.skip === 0 ? { status: 200, body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/steal' } } : undefined);
    await expect(sync().run(T, range)).rejects.toMatchObject({ reason: 'graph_bad_response', message: expect.stringMatching(/outside/) });

    fake.fault = undefined;
    const wrongSecret = new PstnCallsSync(
      tollgate,
      new GraphPstnCallsSource({ clientId: CLIENT_ID, clientSecret: 'wrong', graphBaseUrl: fake.graphBaseUrl, loginBaseUrl: fake.loginBaseUrl }, { transport: fake.transport }),
      { sleep: async () => undefined },
    );
    await expect(wrongSecret.run(T, range)).rejects.toMatchObject({ reason: 'graph_token_failed', message: expect.stringMatching(/AADSTS7000215/) });

    expect(await sync().run('no-such-tenant', range)).toMatchObject({ ok: false, reason: 'unknown_tenant' });
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ lease_owner: null });
  });

  it('a stored next page Graph no longer accepts (expired) is read again from the start of its window', async () => {
    const rows = pstnRows(7, new Date('2026-11-10T08:00:00Z'));
    fake.rows.set(T, rows);
    const range = { from: new Date('2026-11-10T00:00:00Z'), to: new Date('2026-11-11T00:00:00Z') };
    let expiredOnce = false;
    fake.fault = (r) => (r.skip === 3 ? { status: 503 } : undefined);
    await expect(sync().run(T, range)).rejects.toBeInstanceOf(GraphSyncError);
    expect(await legIds()).toEqual(ids(rows.slice(0, 3)));

    fake.fault = (r) => {
      if (r.skip !== 3 || expiredOnce) return undefined;
      expiredOnce = true;
      return { status: 400, body: { error: { code: 'BadRequest', message: 'The skip token has expired.' } } };
    };
    fake.requests.length = 0;
    const summary = await run(sync(), range);
    expect(fake.requests.map((r) => [r.skip, r.status])).toEqual([[3, 400], [0, 200], [3, 200], [6, 200]]);
    expect(summary).toMatchObject({ resumed: true, complete: true, records: 7, duplicates: 3, accepted: expect.any(Number) });
    expect(await legIds()).toEqual(ids(rows));
  });

  /** A second process on the same database (another replica): its own store and services. */
  async function freshStoreOnSameDatabase(): Promise<{ tollgate: Tollgate; close: () => Promise<void> }> {
    const second = await openStore(databaseUrl, { maxConnections: 4 });
    return { tollgate: createTollgate(second, clock, silentLogger, { chunkSize: 100 }), close: () => second.close() };
  }
});
