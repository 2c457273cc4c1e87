import pg from 'pg';
import pino from 'pino';
import { BackgroundGraphSync } from '../../src/graph/background-sync';
import { PstnCallsSync } from '../../src/graph/pstn-calls-sync';
import { insertMeetingCard } from '../../src/store/bot-store';
import { openStore, type Store } from '../../src/store/database';
import { enqueue } from '../../src/store/outbox-store';
import { meetingCardSendKey } from '../../src/bot/meeting-end';
import { ADMIN, T, USERS, setUpTenant } from '../support/fixtures';
import { startFakeConnector, type FakeConnector } from './fake-connector';
import { findPostgresBin, startPrivatePostgres, type PrivatePostgres } from './private-postgres';
import { startServer, stopAllServers, untilHealthy, type ServerProcess } from './server-process';
import { chargedOnceProblems, orderIndependentLegs, sleep, tenantSnapshot, type Leg } from './support';
import { scaled } from '../support/time-scale';

/**
 * PostgreSQL stopped and started again under the Tollgate server's feet, twice, while two clients post intake
 * batches as fast as they are answered: once a normal restart (pg_ctl stop -m fast: sessions are terminated with
 * 57P01), once like a crash (-m immediate: connections cut, recovery at start). It runs on a PostgreSQL server of
 * its own (private-postgres.ts), never the shared one.
 *
 * - Every answer is 200 or 503: during an outage 503 with Retry-After and { error: "unavailable", message }, never a
 *   500 or a dropped connection; /healthz says 503 during the outage and 200 after.
 * - The server serves again by itself once PostgreSQL is back: the same process (not restarted), its pool replaced
 *   the dead connections (a connection cut inside a transaction does not crash the process).
 * - Nothing half-written: after the clients re-sent every batch that got a 503 (as Retry-After invites), every leg is
 *   stored once and charged once, the balance equals the sum of the entries, the entry chain is unbroken.
 * - The background loops survived: the server's outbox worker delivers a card queued after the outages; the Graph
 *   sync loop (run here in the test's own process, on a 100 ms interval instead of the server's minutes, against a
 *   Graph with nothing to report) logs its failed passes during the outages and goes on with its passes after them.
 */
const LEGS = 1_500;
const BATCH = 25;

const found = findPostgresBin();
if ('missing' in found) {
  process.stderr.write(`PostgreSQL restart suite skipped: ${found.missing}\n`);
  describe.skip(`PostgreSQL restarted under load [private postgres: skipped, ${found.missing}]`, () => {
    it.todo('runs where the PostgreSQL server binaries are installed');
  });
} else {
  describe('PostgreSQL restarted under load [private postgres]', () => {
    let postgres: PrivatePostgres;
    let connector: FakeConnector;
    let store: Store | undefined;
    let server: ServerProcess;
    let url: string;
    let graphSync: BackgroundGraphSync | undefined;

    beforeAll(async () => {
      postgres = await startPrivatePostgres(found.bin);
      connector = await startFakeConnector();
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query('CREATE DATABASE tollgate');
      await admin.end();
      url = postgres.url.replace(/\/postgres$/, '/tollgate');
    }, scaled(90_000));
    afterAll(async () => {
      await graphSync?.stop();
      await stopAllServers();
      await store?.close();
      await connector?.close();
      postgres?.remove();
    });

    it(
      'answers 503 with Retry-After during each outage, serves again by itself, and loses or doubles nothing',
      async () => {
        server = await startServer('tollgate', { DATABASE_URL: url, DATABASE_POOL_MAX: '5', OUTBOX_LEASE_SECONDS: '6' });
        await untilHealthy(server, scaled(45_000));
        store = await openStore(url, { maxConnections: 2 });
        const { tollgate } = await setUpTenant(store, { now: new Date(), poolLicenses: 0, fund: '30', autoRecharge: { trigger: '20', amount: '50' } });
        const created = await tollgate.ingestKeys.create(T, ADMIN);
        if (!created.ok) throw new Error(created.message);
        const key = created.value.key;

        // The organizer chats with the bot (its personal chat is stored), and a card queued now is delivered.
        const chat = await fetch(`${server.base}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'message',
            id: 'msg-1',
            text: 'help',
            channelId: 'msteams',
            serviceUrl: `${connector.url}/`,
            from: { id: '29:ppm', name: 'Pay PerMinute', aadObjectId: USERS.ppm },
            recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
            conversation: { id: `personal-${USERS.ppm}`, conversationType: 'personal', tenantId: T },
            channelData: { tenant: { id: T } },
            locale: 'en-US',
          }),
        });
        expect(chat.status).toBeLessThan(300);
        const queueCard = async (conferenceId: string) => {
          const at = new Date().toISOString();
          await store!.inTenantTransaction(T, async (tx) => {
            await insertMeetingCard(tx, { tenant_id: T, conference_id: conferenceId, meeting_id: `m-${conferenceId}`, organizer_id: USERS.ppm, title: `Card ${conferenceId}`, ended_at: at, conversation_id: null, activity_id: null, created_at: at, updated_at: at });
            await enqueue(tx, { tenantId: T, kind: 'meeting_card.send', dedupeKey: meetingCardSendKey({ conference_id: conferenceId, ended_at: at, legs_until: null }), payload: { conferenceId }, at });
          });
        };
        const cardsFor = (conferenceId: string) => connector.posts.filter((p) => p.text.split('\n').includes(`Card ${conferenceId}`));
        const until = async (what: string, check: () => boolean | Promise<boolean>, ms = scaled(20_000)) => {
          const end = Date.now() + ms;
          while (!(await check())) {
            if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${server.log().slice(-4000)}`);
            await sleep(100);
          }
        };
        await queueCard('before');
        await until('the card queued before the outages', () => cardsFor('before').length === 1);

        // The Graph sync loop, on the same kind of pool, through the same outages.
        const syncLog: { at: number; msg: string }[] = [];
        const logger = pino({ level: 'debug' }, { write: (line: string) => void syncLog.push({ at: Date.now(), msg: (JSON.parse(line) as { msg: string }).msg }) });
        const emptyGraph = { firstPageUrl: () => 'https://graph.invalid/page', get: async () => ({ ok: true as const, page: { rows: [], nextLink: null } }) };
        graphSync = new BackgroundGraphSync(store, new PstnCallsSync(tollgate, emptyGraph), logger, 100);
        graphSync.start();

        // Two clients post every batch until it is answered 200; a health poller watches.
        const legs = orderIndependentLegs(LEGS, 11);
        const batches: Leg[][] = [];
        for (let i = 0; i < legs.length; i += BATCH) batches.push(legs.slice(i, i + BATCH));
        const answers: { status: number | 'network'; retryAfter: string | null; body: string }[] = [];
        let next = 0;
        let completed = 0;
        const client = async () => {
          while (next < batches.length) {
            const batch = batches[next++]!;
            for (;;) {
              const res = await fetch(`${server.base}/api/tenants/${T}/calls`, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                body: JSON.stringify({ value: batch }),
              }).catch(() => undefined);
              const body = res ? await res.text() : '';
              answers.push({ status: res?.status ?? 'network', retryAfter: res?.headers.get('retry-after') ?? null, body });
              if (res?.status === 200) break;
              if (res?.status !== 503) return; // anything else fails the test below; stop sending
              await sleep(150);
            }
            completed += 1;
          }
        };
        const health: number[] = [];
        let loadDone = false;
        const poller = (async () => {
          while (!loadDone) {
            health.push(await fetch(`${server.base}/healthz`).then((r) => r.status, () => 0));
            await sleep(100);
          }
        })();
        const load = Promise.all([client(), client()]);

        const outage = async (at: number, mode: 'fast' | 'immediate') => {
          await until(`${at} batches`, () => completed >= at || next >= batches.length, scaled(60_000));
          const before = answers.length;
          postgres.stop(mode);
          // Down long enough for the clients and the health poller to run into it.
          await until('503 answers during the outage', () => answers.slice(before).filter((a) => a.status === 503).length >= 2 && health.slice(-3).includes(503), scaled(15_000));
          postgres.start();
        };
        await outage(Math.floor(batches.length * 0.25), 'fast');
        await outage(Math.floor(batches.length * 0.6), 'immediate');
        await load;
        const recovered = Date.now();
        loadDone = true;
        await poller;

        // Only 200 and 503, the 503s in the documented shape.
        const unexpected = answers.filter((a) => a.status !== 200 && a.status !== 503);
        expect(unexpected.map((a) => `${a.status} ${a.body.slice(0, 300)}`)).toEqual([]);
        const unavailable = answers.filter((a) => a.status === 503);
        expect(unavailable.length).toBeGreaterThanOrEqual(4);
        for (const a of unavailable) {
          expect(a.retryAfter).toMatch(/^\d+$/);
          expect(JSON.parse(a.body)).toEqual({ error: 'unavailable', message: expect.stringMatching(/cannot reach its database right now .*Nothing was half-written/) });
        }
        expect(completed).toBe(batches.length);
        // The same process served before, during and after: it was never restarted, and /healthz recovered.
        expect(server.alive()).toBe(true);
        expect(health).toContain(503);
        expect(health[health.length - 1]).toBe(200);

        // Nothing lost, nothing doubled, nothing half-written.
        const snap = await tenantSnapshot(store.db, T);
        expect(chargedOnceProblems(snap, legs.map((l) => l.id as string))).toEqual([]);
        expect(await tollgate.ledger.checkInvariant(T)).toMatchObject({ ok: true });

        // The outbox worker lived through both outages.
        await queueCard('after');
        await until('the card queued after the outages', () => cardsFor('after').length === 1);
        expect(cardsFor('before')).toHaveLength(1);
        // So did the Graph sync loop: failed passes during the outages, passes again after them.
        // (A run the outage cut short could not let go of the tenant's lease, so later passes skip the tenant until
        // the lease runs out, at most 2 minutes: the loop itself goes on.)
        await until('a Graph sync pass after the outages', () => syncLog.some((l) => l.at > recovered && /^Graph sync( pass done|: another run holds the tenant)/.test(l.msg)));
        await graphSync.stop();
        expect(syncLog.filter((l) => /Graph sync (pass )?failed/.test(l.msg)).length).toBeGreaterThan(0);
      },
      scaled(150_000),
    );
  });
}
