import { AdapterMessenger } from '../../src/notify/messenger';
import { meetingCardHandlers } from '../../src/notify/meeting-card-delivery';
import { outboxEnqueued } from '../../src/notify/outbox-signal';
import { OutboxWorker, type OutboxHandler } from '../../src/notify/outbox-worker';
import { silentLogger } from '../../src/observability/logger';
import * as botStore from '../../src/store/bot-store';
import type { Store } from '../../src/store/database';
import { enqueue } from '../../src/store/outbox-store';
import type { Tollgate } from '../../src/tollgate';
import { cardText, createHarness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * The outbox worker delivers at once what this process has just queued (outboxEnqueued after the commit), goes on
 * without a pause while passes come back full, and delivers a batch's rows side by side. The poll interval in these
 * tests is an hour: anything delivered was delivered without waiting for a poll (a test that needed one would hang).
 */
const AN_HOUR = 3_600_000;
// A delivery that needed the hour-long poll fails the test in 20 s instead of hanging for the suite's minute.
jest.setTimeout(scaled(20_000));

/** A promise with its resolve, to wait for a handler to be reached. */
function signal<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describeEachEngine('outbox worker: wake-up, back-to-back passes, concurrent deliveries', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  const workers: OutboxWorker[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store));
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await cleanup();
  });

  const queue = async (keys: string[], wake = false) => {
    const at = tollgate.clock.now().toISOString();
    await store.inTenantTransaction(T, async (tx) => {
      for (const key of keys) await enqueue(tx, { tenantId: T, kind: 'test.note', dedupeKey: key, payload: { key }, at });
    });
    if (wake) outboxEnqueued(store);
  };
  const statuses = async () =>
    Object.fromEntries((await store.db.selectFrom('outbox').select(['dedupe_key', 'status']).where('tenant_id', '=', T).execute()).map((r) => [r.dedupe_key, r.status]));
  const worker = (handler: OutboxHandler, options: { batchSize?: number; concurrency?: number } = {}) => {
    const w = new OutboxWorker(store, tollgate.clock, silentLogger, { 'test.note': handler }, { pollMs: AN_HOUR, ...options });
    workers.push(w);
    return w;
  };

  it('delivers a row queued after it started as soon as the enqueuer signals the commit', async () => {
    const seen: string[] = [];
    const reached = new Map<string, ReturnType<typeof signal<void>>>([['first', signal()], ['second', signal()]]);
    const w = worker(async (_row, payload) => {
      const key = (payload as { key: string }).key;
      seen.push(key);
      reached.get(key)?.resolve();
    });
    await queue(['first']);
    w.start();
    await reached.get('first')!.promise; // the first pass ran; the next poll is an hour away
    await queue(['second'], true);
    await reached.get('second')!.promise;
    expect(seen).toEqual(['first', 'second']);
  });

  it('goes on at once after a full batch, so a backlog drains without a poll between batches', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const all = signal();
    const seen: string[] = [];
    const w = worker(
      async (_row, payload) => {
        seen.push((payload as { key: string }).key);
        if (seen.length === keys.length) all.resolve();
      },
      { batchSize: 2, concurrency: 1 },
    );
    await queue(keys);
    w.start();
    await all.promise;
    expect([...seen].sort()).toEqual(keys);
    await w.stop();
    expect(Object.values(await statuses()).every((s) => s === 'done')).toBe(true);
  });

  it('delivers the rows of one batch side by side, up to its concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    const gate = signal();
    const handler = (limit: number): OutboxHandler => async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      // A slow connector: nobody is answered until `limit` deliveries wait at once.
      if (inFlight === limit) gate.resolve();
      await gate.promise;
      inFlight -= 1;
    };
    await queue(['1', '2', '3', '4']);
    await worker(handler(3), { concurrency: 3 }).drain();
    expect(most).toBe(3);
    expect(Object.values(await statuses())).toEqual(['done', 'done', 'done', 'done']);
  });

  it('does nothing on a signal once stopped: the rows wait for the next worker', async () => {
    const seen: string[] = [];
    const first = signal();
    const w = worker(async (_row, payload) => {
      seen.push((payload as { key: string }).key);
      first.resolve();
    });
    await queue(['before']);
    w.start();
    await first.promise;
    await w.stop();
    await queue(['after'], true);
    expect(seen).toEqual(['before']);
    expect((await statuses()).after).toBe('pending');
  });

  it("sends the organizer's post-meeting card right after the meeting-end event commits", async () => {
    const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };
    const h = createHarness(tollgate);
    h.lookup.meetings.set('meeting-w', { organizerId: USERS.ppm, title: 'Woken review', conferenceId: 'conf-w' });
    await tollgate.intake.ingest(T, [leg({ id: 'w-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, start: '2026-11-15T10:05:00Z', conferenceId: 'conf-w' })]);
    await h.say('help', organizer);
    const cardSent = signal();
    const messenger = new AdapterMessenger(h.adapter, '');
    const w = new OutboxWorker(
      store,
      tollgate.clock,
      silentLogger,
      {
        ...meetingCardHandlers({
          tollgate,
          commands: h.bot.commands,
          messenger: { send: async (r, a) => messenger.send(r, a).finally(() => cardSent.resolve()), update: (r, id, a) => messenger.update(r, id, a) },
          clock: tollgate.clock,
          bootstrapAdmins: [],
        }),
        'test.note': async () => undefined,
      },
      { pollMs: AN_HOUR },
    );
    workers.push(w);
    await queue(['started']);
    w.start();
    while ((await statuses()).started !== 'done') await new Promise((r) => setTimeout(r, 5)); // first pass over
    const reads = jest.spyOn(botStore, 'findMeetingCardDelivery');
    try {
      await h.send({
        type: 'event',
        name: 'application/vnd.microsoft.meetingEnd',
        channelId: 'msteams',
        serviceUrl: 'https://smba.example.invalid/',
        from: { id: '29:ppm', aadObjectId: USERS.ppm, name: 'Pay PerMinute' },
        recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
        conversation: { id: '19:meeting_w@thread.v2', tenantId: T, conversationType: 'groupChat', isGroup: true, name: '' },
        channelData: { tenant: { id: T }, meeting: { id: 'meeting-w' } },
        value: { Id: 'meeting-w', MeetingType: 'Scheduled', Title: 'Woken review', JoinUrl: 'https://teams.example/l/meetup-join/w', EndTime: '2026-11-15T11:00:00Z' },
      });
      await cardSent.promise;
      expect(h.adapter.proactive).toHaveLength(1);
      const text = cardText(h.adapter.proactive[0]!.activity.attachments?.[0]?.content);
      expect(text).toContain('Woken review');
      expect(text).toContain('$0.60');
      expect(text).toContain('Pay PerMinute');
      // On PostgreSQL the card's delivery was read with its insert (one statement): no read of its own.
      expect(reads).toHaveBeenCalledTimes(engine === 'postgres' ? 0 : 1);
    } finally {
      reads.mockRestore();
    }
  });
});
