import { BackgroundGraphSync } from '../../src/graph/background-sync';
import { GraphPstnCallsSource } from '../../src/graph/pstn-calls-source';
import { PstnCallsSync } from '../../src/graph/pstn-calls-sync';
import { silentLogger, type Logger } from '../../src/observability/logger';
import { openStore, type Store } from '../../src/store/database';
import { findGraphSyncCursor } from '../../src/store/graph-sync-store';
import { FixedClock } from '../../src/time/clock';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { setUpTenant, T } from '../support/fixtures';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph, type FakeGraph } from './support/fake-graph';
import { pstnRows } from './support/pstn-rows';

const NOW = new Date('2026-11-15T12:00:00Z');
const B = 'tenant-b';

/** A logger that keeps what was logged at warn and above. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = silentLogger.child({});
  logger.warn = ((obj: unknown, msg?: string) => {
    warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  }) as Logger['warn'];
  return { logger, warnings };
}

describeEachEngine('background Graph sync', (engine) => {
  let fake: FakeGraph;
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;

  beforeEach(async () => {
    fake = await startFakeGraph({ pageSize: 2 });
    let database;
    ({ store, database, cleanup } = await freshStore(engine));
    url = database.url;
    ({ tollgate, clock } = await setUpTenant(store, { fund: '50', now: NOW }));
    await setUpTenant(store, { fund: '50', now: NOW }, B);
    fake.rows.set(T, pstnRows(5, new Date('2026-11-13T08:00:00Z'), 60 * 60 * 1000, 'a'));
    fake.rows.set(B, pstnRows(4, new Date('2026-11-14T08:00:00Z'), 60 * 60 * 1000, 'b'));
  });
  afterEach(async () => {
    await cleanup();
    await fake.close();
  });

  function background(t: Tollgate, logger: Logger = silentLogger, intervalMs = 60_000) {
    const source = new GraphPstnCallsSource({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, graphBaseUrl: fake.graphBaseUrl, loginBaseUrl: fake.loginBaseUrl }, { transport: fake.transport });
    return new BackgroundGraphSync(t.store, new PstnCallsSync(t, source, { sleep: async () => undefined, retry: { maxTries: 2 } }), logger, intervalMs);
  }
  async function legCount(tenantId: string): Promise<number> {
    const r = await store.db.selectFrom('legs').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  it('syncs every tenant in one pass; a failing tenant is logged and does not stop the others', async () => {
    fake.fault = (r) => (r.tenant === T && r.skip === 2 ? { status: 503 } : undefined);
    const { logger, warnings } = recordingLogger();
    await background(tollgate, logger).runOnce();
    expect(await legCount(T)).toBe(2);
    expect(await legCount(B)).toBe(4);
    expect(warnings.some((w) => /Graph sync failed; it resumes where it stopped next pass .*"tenantId":"tenant-a".*graph_unavailable/.test(w))).toBe(true);

    // Next pass: tenant-a resumes at its third row, tenant-b reads from where it ended.
    fake.fault = undefined;
    fake.requests.length = 0;
    await background(tollgate, logger).runOnce();
    expect(await legCount(T)).toBe(5);
    expect(fake.requests.filter((r) => r.tenant === T).map((r) => r.skip)).toEqual([2, 4]);
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ synced_to: NOW.toISOString(), window_from: null, last_error: null });
  });

  it('never runs two passes at once in a process, and stops between pages', async () => {
    fake.delayMs = 40;
    const sync = background(tollgate, silentLogger, 1);
    let passes = 0;
    let active = 0;
    let mostActive = 0;
    const pass = sync.runOnce.bind(sync);
    sync.runOnce = async () => {
      passes += 1;
      mostActive = Math.max(mostActive, ++active);
      try {
        await pass();
      } finally {
        active -= 1;
      }
    };
    // An interval far shorter than a pass (each page takes 40 ms).
    sync.start();
    await waitFor(() => passes >= 3);
    await sync.stop();
    // A page request written just before the stop aborted it may still reach the fake server (in this process)
    // a moment later: let those land, then nothing more may come (a pass that went on would ask for a page every
    // 40 ms).
    await new Promise((r) => setTimeout(r, 30));
    const after = fake.arrivals;
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.arrivals).toBe(after);
    expect(mostActive).toBe(1);
    expect(Math.max(...fake.maxInFlight.values())).toBe(1);
    expect(await findGraphSyncCursor(store.db, T)).toMatchObject({ lease_owner: null });
  });

  it('with two replicas on one database, a tenant is synced by one of them at a time and nothing is imported twice', async () => {
    fake.delayMs = 25;
    const second = await openStore(url, { maxConnections: 4 });
    try {
      const other = createTollgate(second, clock, silentLogger, { chunkSize: 100 });
      await Promise.all([background(tollgate).runOnce(), background(other).runOnce(), background(tollgate).runOnce()]);
      expect(fake.maxInFlight.get(T)).toBe(1);
      expect(fake.maxInFlight.get(B)).toBe(1);
      expect(await legCount(T)).toBe(5);
      expect(await legCount(B)).toBe(4);
      const charges = await store.db
        .selectFrom('ledger_entries')
        .select(['tenant_id', 'leg_id'])
        .where('kind', '=', 'charge')
        .execute();
      const legIds = charges.map((c) => `${c.tenant_id}/${c.leg_id}`);
      expect(new Set(legIds).size).toBe(legIds.length);
    } finally {
      await second.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
