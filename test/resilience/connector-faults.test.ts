import { TurnContext, type Activity } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import { createAdapter, createBot } from '../../src/bot/bot-app';
import { rememberConversation } from '../../src/bot/conversation-refs';
import { onMeetingEnd } from '../../src/bot/meeting-end';
import { meetingCardHandlers } from '../../src/notify/meeting-card-delivery';
import { AdapterMessenger } from '../../src/notify/messenger';
import { OutboxWorker } from '../../src/notify/outbox-worker';
import { silentLogger } from '../../src/observability/logger';
import type { Store } from '../../src/store/database';
import { enqueue } from '../../src/store/outbox-store';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { FakeMeetingLookup } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { startFakeConnector, type ConnectorFault, type FakeConnector } from './fake-connector';

/**
 * Post-meeting cards through the real Bot Framework client (TeamsAdapter, local mode) to a fake connector that
 * throttles (429 with Retry-After), fails (500, 503) and hangs. What must hold:
 * - one HTTP request per outbox attempt: the connector client's own hidden retries are off (they would re-POST a
 *   non-idempotent request, and wait out a Retry-After inside the call), so the fake sees exactly the attempts
 *   the outbox recorded;
 * - a hanging connector costs a bounded time (the messenger's timeout), then the attempt is recorded as failed;
 * - the outbox waits Retry-After when the connector gives one, its exponential back-off otherwise;
 * - every card arrives exactly once in the end, and a later update goes to the same activity (PUT), never a new POST.
 */
const TIMEOUT_MS = 400;

/** The meetings below end at the clock's now (12:00): their legs started during them. */
const DURING_THE_MEETING = '2026-11-15T11:00:00Z';

describeEachEngine('proactive cards when the Teams connector throttles, fails or hangs', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let fake: FakeConnector;
  let worker: OutboxWorker;
  let adapter: TeamsAdapter;
  const lookup = new FakeMeetingLookup();

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100' }));
    fake = await startFakeConnector();
    adapter = createAdapter({ botId: '', botPassword: '', botTenantId: '' });
    const bot = createBot({ tollgate, config: { botId: '', bootstrapAdmins: [] }, adapter, meetingLookup: lookup, startTypingTimer: false });
    const messenger = new AdapterMessenger(adapter, '', { timeoutMs: TIMEOUT_MS });
    worker = new OutboxWorker(store, clock, silentLogger, meetingCardHandlers({ tollgate, commands: bot.commands, messenger, clock, bootstrapAdmins: [] }));
    // The organizer's personal chat with the bot, as the connector's serviceUrl gave it.
    await rememberConversation(store, activity({ type: 'message', conversation: { id: `personal-${USERS.ppm}`, conversationType: 'personal', tenantId: T } as never }), clock.now());
  });
  afterEach(async () => {
    await fake.close();
    await cleanup();
  });

  function activity(fields: Partial<Activity>): Partial<Activity> {
    return {
      channelId: 'msteams',
      serviceUrl: `${fake.url}/`,
      id: 'incoming-1',
      from: { id: '29:ppm', name: 'Pay PerMinute', aadObjectId: USERS.ppm },
      recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
      channelData: { tenant: { id: T } },
      locale: 'en-US',
      ...fields,
    };
  }

  /** A meeting with one rated leg, ended: its card is queued. */
  async function endedMeeting(name: string): Promise<void> {
    const conferenceId = `conf-${name}`;
    lookup.meetings.set(`meeting-${name}`, { organizerId: USERS.ppm, title: `Meeting ${name}`, conferenceId });
    await tollgate.intake.ingest(T, [leg({ id: `${name}-1`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId, start: DURING_THE_MEETING })]);
    const end = activity({
      type: 'event',
      name: 'application/vnd.microsoft.meetingEnd',
      conversation: { id: `19:meeting_${name}@thread.v2`, conversationType: 'groupChat', isGroup: true, tenantId: T } as never,
      channelData: { tenant: { id: T }, meeting: { id: `meeting-${name}` } },
    });
    const context = new TurnContext(adapter, end as Activity);
    const r = await onMeetingEnd({ store, lookup, logger: silentLogger, now: () => clock.now() }, context, { Id: `meeting-${name}`, EndTime: clock.now().toISOString() });
    expect(r).toBe('queued');
  }

  const rows = async () =>
    (await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).orderBy('created_at').execute()).map((r) => ({
      conference: (JSON.parse(r.payload) as { conferenceId: string }).conferenceId,
      kind: r.kind,
      status: r.status,
      attempts: Number(r.attempts),
      waitMs: Date.parse(r.next_attempt_at) - clock.now().getTime(),
      error: r.last_error,
    }));
  const postsOf = (name: string) => fake.posts.filter((p) => p.text.split('\n').includes(`Meeting ${name}`));

  it('records one request per attempt, waits Retry-After or backs off, bounds a hang, and delivers every card once', async () => {
    for (const name of ['A', 'B', 'C']) await endedMeeting(name);
    // First attempts: A is throttled, B fails, C hangs. Later attempts go through.
    const first = new Map<string, ConnectorFault>([
      ['A', { status: 429, headers: { 'retry-after': '7' } }],
      ['B', { status: 500 }],
      ['C', 'hang'],
    ]);
    const seen = new Set<string>();
    fake.fault = (request) => {
      const name = ['A', 'B', 'C'].find((x) => request.body.includes(`"text":"Meeting ${x}"`))!;
      if (seen.has(name)) return undefined;
      seen.add(name);
      return first.get(name);
    };

    await worker.drain();
    expect(fake.arrivals).toHaveLength(3); // no hidden retry inside an attempt
    expect(fake.posts).toEqual([]);
    expect(await rows()).toEqual([
      { conference: 'conf-A', kind: 'meeting_card.send', status: 'pending', attempts: 1, waitMs: 7_000, error: expect.stringMatching(/throttled by the connector \(429\)/) },
      { conference: 'conf-B', kind: 'meeting_card.send', status: 'pending', attempts: 1, waitMs: 1_000, error: expect.stringMatching(/\(500\)/) },
      { conference: 'conf-C', kind: 'meeting_card.send', status: 'pending', attempts: 1, waitMs: 1_000, error: `the connector did not answer within ${TIMEOUT_MS} ms (it may have received the message)` },
    ]);

    // After the back-off B and C go; A waits for its Retry-After.
    clock.advance(1_000);
    await worker.drain();
    expect(fake.arrivals).toHaveLength(5);
    expect(postsOf('B')).toHaveLength(1);
    expect(postsOf('C')).toHaveLength(1);
    expect(postsOf('A')).toHaveLength(0);
    clock.advance(5_999);
    await worker.drain();
    expect(fake.arrivals).toHaveLength(5);
    clock.advance(1);
    await worker.drain();
    expect(fake.arrivals).toHaveLength(6);
    for (const name of ['A', 'B', 'C']) expect(postsOf(name)).toHaveLength(1);
    expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
      ['done', 2],
      ['done', 2],
      ['done', 2],
    ]);
    const cards = await store.db.selectFrom('meeting_cards').select(['conference_id', 'activity_id']).where('tenant_id', '=', T).orderBy('conference_id').execute();
    expect(cards.map((c) => c.activity_id)).toEqual(['A', 'B', 'C'].map((name) => postsOf(name)[0]!.id));

    // A late leg of A: the card is updated in place. The connector answers 503 (Retry-After 3) once, then takes it.
    let updates = 0;
    fake.fault = (request) => (request.method === 'PUT' && ++updates === 1 ? { status: 503, headers: { 'retry-after': '3' } } : undefined);
    await tollgate.intake.ingest(T, [leg({ id: 'A-late', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-A', start: DURING_THE_MEETING })]);
    await worker.drain();
    const update = (await rows()).find((r) => r.kind === 'meeting_card.update')!;
    expect(update).toMatchObject({ status: 'pending', attempts: 1, waitMs: 3_000 });
    clock.advance(3_000);
    await worker.drain();
    expect(fake.puts).toHaveLength(1);
    expect(fake.puts[0]!.id).toBe(postsOf('A')[0]!.id);
    expect(fake.puts[0]!.text).toContain('Meeting A');
    expect(fake.posts).toHaveLength(3);
    expect((await rows()).every((r) => r.status === 'done')).toBe(true);
  });

  it('holds back an update of a card that another worker is posting right now, then updates the posted card', async () => {
    const bot = createBot({ tollgate, config: { botId: '', bootstrapAdmins: [] }, adapter, meetingLookup: lookup, startTypingTimer: false });
    const patient = (name: string) =>
      new OutboxWorker(store, clock, silentLogger, meetingCardHandlers({ tollgate, commands: bot.commands, messenger: new AdapterMessenger(adapter, '', { timeoutMs: 10_000 }), clock, bootstrapAdmins: [] }), { concurrency: 1, batchSize: name === 'poster' ? 1 : 20 });
    await endedMeeting('D');
    // The post is rendered ($0.60) and on its way; the connector holds it.
    fake.fault = (request) => (request.method === 'POST' && fake.held.length === 0 ? 'hold' : undefined);
    const posting = patient('poster').runOnce();
    while (fake.held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Meanwhile a late leg arrives and another worker takes its update.
    await tollgate.intake.ingest(T, [leg({ id: 'D-late', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-D', start: DURING_THE_MEETING })]);
    const other = patient('other');
    expect(await other.runOnce()).toBe(1);
    expect((await rows()).find((r) => r.kind === 'meeting_card.update')).toMatchObject({ status: 'pending', attempts: 1, error: 'the card is being posted right now: updating it once it is' });
    fake.held[0]!.release();
    await posting;
    expect(postsOf('D')).toHaveLength(1);
    expect(postsOf('D')[0]!.text).toContain('$0.60'); // rendered before the late leg
    clock.advance(1_000);
    await other.drain();
    expect(fake.puts).toHaveLength(1);
    expect(fake.puts[0]!.id).toBe(postsOf('D')[0]!.id);
    expect(fake.puts[0]!.text).toContain('$0.80');
    expect(postsOf('D')).toHaveLength(1);
  });

  it('leaves a row whose lease passed to another worker to that worker, even when it was next in its batch', async () => {
    const delivered: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const handlers = {
      'test.note': async (row: { id: string }) => {
        delivered.push(row.id);
        if (first) {
          first = false;
          await gate; // the first worker is stuck past its lease on its first row
        }
      },
    };
    const at = clock.now().toISOString();
    await store.inTransaction(async (tx) => {
      await enqueue(tx, { tenantId: T, kind: 'test.note', dedupeKey: 'n1', payload: {}, at });
      await enqueue(tx, { tenantId: T, kind: 'test.note', dedupeKey: 'n2', payload: {}, at });
    });
    const [r1, r2] = (await store.db.selectFrom('outbox').select('id').where('tenant_id', '=', T).orderBy('next_attempt_at').orderBy('id').execute()).map((r) => r.id);
    // One delivery at a time, so the second row waits its turn behind the stuck first one.
    const slow = new OutboxWorker(store, clock, silentLogger, handlers, { leaseMs: 60_000, concurrency: 1 });
    const other = new OutboxWorker(store, clock, silentLogger, handlers, { leaseMs: 60_000, concurrency: 1 });

    const slowPass = slow.runOnce();
    while (delivered.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const stuckOn = delivered[0]!;
    clock.advance(61_000);
    expect(await other.runOnce()).toBe(2); // both leases ran out: the other worker takes both rows
    release();
    await slowPass;

    const next = stuckOn === r1 ? r2! : r1!;
    expect(delivered.filter((id) => id === next)).toHaveLength(1);
    expect(delivered.filter((id) => id === stuckOn)).toHaveLength(2); // the overrun the lease exists to make rare
    const states = await store.db.selectFrom('outbox').select(['status', 'attempts']).where('tenant_id', '=', T).execute();
    expect(states.map((s) => [s.status, Number(s.attempts)])).toEqual([
      ['done', 2],
      ['done', 2],
    ]);
  });
});
