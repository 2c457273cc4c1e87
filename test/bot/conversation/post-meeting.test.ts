import { capturingLogger } from '../../support/capturing-logger';
import type { Store } from '../../../src/store/database';
import * as tenantStore from '../../../src/store/tenant-store';
import type { FixedClock } from '../../../src/time/clock';
import type { Tollgate } from '../../../src/tollgate';
import { describeEachEngine, freshStore } from '../../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../../support/fixtures';
import { displayNumber } from '../../../src/bot/cards/phone-display';
import { cardText, createHarness, type Harness, type Person } from '../support/bot-harness';

const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };
/** A leg of the meeting that ends at 11:00 (meetingEnd below): it started during it. */
const meetingLeg = (fields: Parameters<typeof leg>[0]) => leg({ start: '2026-11-15T10:05:00Z', ...fields });

describeEachEngine('post-meeting cost card', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;
  /** What the outbox worker logged. */
  const { logger: workerLogger, lines: logged } = capturingLogger();

  beforeEach(async () => {
    logged.length = 0;
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100' }));
    h = createHarness(tollgate, { workerLogger });
    h.lookup.meetings.set('meeting-1', { organizerId: USERS.ppm, title: 'Quarterly review', conferenceId: 'conf-q' });
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-q' })]);
    // The organizer has talked to the bot before: Tollgate has their personal chat.
    await h.say('help', organizer);
  });
  afterEach(async () => cleanup());

  /** The meeting-start or -end event as Teams sends it: TitleCase keys, the meeting id in channelData. */
  const meetingEvent = (name: 'meetingStart' | 'meetingEnd', meetingId: string, tenantId: string, time: Record<string, string>) =>
    h.send({
      type: 'event',
      name: `application/vnd.microsoft.${name}`,
      channelId: 'msteams',
      serviceUrl: 'https://smba.example.invalid/',
      from: { id: '29:ppm', aadObjectId: USERS.ppm, name: 'Pay PerMinute' },
      recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
      conversation: { id: '19:meeting_abc@thread.v2', tenantId, conversationType: 'groupChat', isGroup: true, name: '' },
      channelData: { tenant: { id: tenantId }, meeting: { id: meetingId } },
      value: { Id: meetingId, MeetingType: 'Scheduled', Title: 'Quarterly review', JoinUrl: 'https://teams.example/l/meetup-join/x', ...time },
    });
  const meetingStart = (meetingId = 'meeting-1', tenantId = T) => meetingEvent('meetingStart', meetingId, tenantId, { StartTime: '2026-11-15T10:00:00Z' });
  const meetingEnd = (meetingId = 'meeting-1', tenantId = T) => meetingEvent('meetingEnd', meetingId, tenantId, { EndTime: '2026-11-15T11:00:00Z' });
  const meetingStarts = async () => store.db.selectFrom('meeting_starts').select(['tenant_id', 'meeting_id', 'organizer_id', 'conference_id', 'title']).orderBy('meeting_id').execute();

  it('sends the organizer the cost card once, then updates it in place when late legs arrive', async () => {
    await meetingEnd();
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    const sent = h.adapter.proactive[0]!;
    expect(sent.reference.conversation?.id).toBe(`personal-${USERS.ppm}`);
    const text = cardText(sent.activity.attachments?.[0]?.content);
    expect(text).toContain('Quarterly review');
    expect(text).toContain('$0.60');

    // The same event again (a retry, another replica): nothing new.
    await meetingEnd();
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);

    // A late leg of the same meeting: the card is updated in place, not sent again.
    clock.advance(3_600_000);
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q-late', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-q' })]);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    expect(h.adapter.updates).toHaveLength(1);
    expect(h.adapter.updates[0]!.activityId).toBe(sent.id);
    const updated = cardText(h.adapter.updates[0]!.activity.attachments?.[0]?.content);
    expect(updated).toContain('$0.80');

    // A leg of another meeting touches nothing.
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'other', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, conferenceId: 'conf-other' })]);
    await h.worker.drain();
    expect(h.adapter.updates).toHaveLength(1);
    const outbox = await store.db.selectFrom('outbox').select(['kind', 'status']).where('tenant_id', '=', T).execute();
    expect(outbox.every((r) => r.status === 'done')).toBe(true);
  });

  it('a recurring meeting (one conference for the series): each occurrence gets a card of its own, with its own legs', async () => {
    // The first occurrence (the leg of beforeEach, 10:05 to 10:15 on 15 November, $0.60).
    await meetingEnd();
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    const first = h.adapter.proactive[0]!;
    expect(cardText(first.activity.attachments?.[0]?.content)).toContain('$0.60');

    // A week later, the next occurrence: the same conference, its own legs.
    clock.advance(7 * 86_400_000);
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q2-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 300, start: '2026-11-22T10:05:00Z', conferenceId: 'conf-q' })]);
    // Its legs are not the first occurrence's: that card is left as it was.
    await h.worker.drain();
    expect(h.adapter.updates).toHaveLength(0);
    await meetingEvent('meetingEnd', 'meeting-1', T, { EndTime: '2026-11-22T11:00:00Z' });
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(2);
    const second = h.adapter.proactive[1]!;
    expect(second.id).not.toBe(first.id);
    const secondText = cardText(second.activity.attachments?.[0]?.content);
    expect(secondText).toContain('$0.30');
    expect(secondText).not.toContain('$0.90');
    expect(secondText).toContain('1 call ·');

    // The same end told again (a retry, another replica): nothing new.
    await meetingEvent('meetingEnd', 'meeting-1', T, { EndTime: '2026-11-22T11:00:00Z' });
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(2);
    expect((await store.db.selectFrom('meeting_cards').select('conference_id').where('tenant_id', '=', T).execute()).length).toBe(1);

    // A late leg of each occurrence redraws that occurrence's card in place, and only that one.
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q1-late', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, start: '2026-11-15T10:40:00Z', conferenceId: 'conf-q' })]);
    await h.worker.drain();
    expect(h.adapter.updates.map((u) => u.activityId)).toEqual([first.id]);
    expect(cardText(h.adapter.updates[0]!.activity.attachments?.[0]?.content)).toContain('$0.72');
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q2-late', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, start: '2026-11-22T10:40:00Z', conferenceId: 'conf-q' })]);
    await h.worker.drain();
    expect(h.adapter.updates.map((u) => u.activityId)).toEqual([first.id, second.id]);
    expect(cardText(h.adapter.updates[1]!.activity.attachments?.[0]?.content)).toContain('$0.42');
    expect(h.adapter.proactive).toHaveLength(2);

    // Refresh on the first occurrence's card shows that occurrence again: not the series.
    const firstData = (first.activity.attachments?.[0]?.content as { refresh: { action: { data: Record<string, unknown> } } }).refresh.action.data;
    const refreshed = await h.execute('refresh.meeting', firstData, organizer);
    expect(refreshed.text).toContain('$0.72');
    expect(refreshed.text).toContain('2 calls ·');
    // `meeting conf-q` is the whole series.
    const series = await h.say('meeting conf-q', organizer);
    expect(series[0]!.text).toContain('$1.14');
  });

  it("a recurring meeting's card still waiting (no chat yet) when the next occurrence ends is not sent: the next one's is", async () => {
    h.lookup.meetings.set('meeting-2', { organizerId: USERS.sub, title: 'Weekly', conferenceId: 'conf-n' });
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'n-1', organizer: USERS.sub, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-n' })]);
    await meetingEnd('meeting-2');
    await h.worker.drain();
    clock.advance(7 * 86_400_000);
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'n-2', organizer: USERS.sub, number: NUMBERS.deLandline, seconds: 300, start: '2026-11-22T10:05:00Z', conferenceId: 'conf-n' })]);
    await meetingEvent('meetingEnd', 'meeting-2', T, { EndTime: '2026-11-22T11:00:00Z' });
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    // They open a chat with Tollgate: one card, the latest occurrence's.
    await h.say('help', { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' });
    clock.advance(15 * 60_000);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    const text = cardText(h.adapter.proactive[0]!.activity.attachments?.[0]?.content);
    expect(text).toContain('Nov 22, 2026, 10:05');
    expect(text).toContain('1 call · 5 billed min');
    const posts = await store.db.selectFrom('outbox').select(['status', 'dedupe_key']).where('tenant_id', '=', T).where('kind', '=', 'meeting_card.send').orderBy('dedupe_key').execute();
    expect(posts.map((p) => p.status)).toEqual(['done', 'done']);
  });

  it("shows the organizer's name, and the numbers in full only when the organizer is a Tollgate admin", async () => {
    await meetingEnd();
    await h.worker.drain();
    const masked = cardText(h.adapter.proactive[0]!.activity.attachments?.[0]?.content);
    expect(masked).toContain('Pay PerMinute');
    expect(masked).toContain(displayNumber(NUMBERS.deLandline, false));
    expect(masked).not.toContain(displayNumber(NUMBERS.deLandline, true));

    const made = await tollgate.directory.setAdmin(T, USERS.ppm, true, ADMIN);
    expect(made.ok).toBe(true);
    h.lookup.meetings.set('meeting-2', { organizerId: USERS.ppm, title: 'Board call', conferenceId: 'conf-b' });
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'b-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 300, conferenceId: 'conf-b' })]);
    await meetingEnd('meeting-2');
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(2);
    const full = cardText(h.adapter.proactive[1]!.activity.attachments?.[0]?.content);
    expect(full).toContain('Pay PerMinute');
    expect(full).toContain(displayNumber(NUMBERS.deLandline, true));
  });

  /** The leg q-1 (beforeEach's) from Graph: the fields of the first import (its callId included), with Microsoft's charge. */
  const billedAgain = async () => {
    const stored = await store.db.selectFrom('legs').select(['call_id', 'start_at', 'end_at', 'caller_number']).where('id', '=', 'q-1').executeTakeFirstOrThrow();
    return {
      ...meetingLeg({ id: 'q-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'conf-q' }),
      callId: stored.call_id,
      callerNumber: stored.caller_number,
      startDateTime: stored.start_at,
      endDateTime: stored.end_at,
      charge: 0.6,
    };
  };

  it("updates the posted card when Microsoft's billed figures arrive for its legs (it becomes final)", async () => {
    await meetingEnd();
    await h.worker.drain();
    expect(cardText(h.adapter.proactive[0]!.activity.attachments?.[0]?.content)).toMatch(/ESTIMATED/);
    const r = await tollgate.intake.ingest(T, [await billedAgain()]);
    expect(r).toMatchObject({ ok: true, value: { duplicates: 1, enriched: 1, charged: 0 } });
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    expect(h.adapter.updates).toHaveLength(1);
    expect(cardText(h.adapter.updates[0]!.activity.attachments?.[0]?.content)).toMatch(/FINAL/);
  });

  it("a daily meeting: Microsoft's figures for yesterday's legs, after today's end, make yesterday's card final, not today's", async () => {
    await meetingEnd();
    await h.worker.drain();
    const yesterday = h.adapter.proactive[0]!;
    clock.advance(86_400_000);
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'q-today', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 300, start: '2026-11-16T10:05:00Z', conferenceId: 'conf-q' })]);
    await meetingEvent('meetingEnd', 'meeting-1', T, { EndTime: '2026-11-16T11:00:00Z' });
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(2);
    const today = h.adapter.proactive[1]!;
    // Graph brings yesterday's call again, with Microsoft's charge.
    expect(await tollgate.intake.ingest(T, [await billedAgain()])).toMatchObject({ ok: true, value: { enriched: 1, charged: 0 } });
    await h.worker.drain();
    expect(h.adapter.updates.map((u) => u.activityId)).toEqual([yesterday.id]);
    const redrawn = cardText(h.adapter.updates[0]!.activity.attachments?.[0]?.content);
    expect(redrawn).toMatch(/FINAL/);
    expect(redrawn).toContain('$0.60');
    expect(today.id).not.toBe(yesterday.id);
  });

  it('retries with back-off when the connector fails, and still delivers exactly once', async () => {
    h.adapter.failNext = { count: 2, statusCode: 503 };
    await meetingEnd();
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    let row = await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/503/);
    clock.advance(2_000);
    await h.worker.drain();
    clock.advance(10_000);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    row = await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).executeTakeFirstOrThrow();
    expect(row.status).toBe('done');
    expect(Number(row.attempts)).toBe(3);
  });

  it('waits for an organizer who has no chat with Tollgate yet, instead of dropping the card, and does not log it as a fault', async () => {
    h.lookup.meetings.set('meeting-2', { organizerId: USERS.sub, title: 'No chat yet', conferenceId: 'conf-n' });
    await tollgate.intake.ingest(T, [meetingLeg({ id: 'n-1', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 60, conferenceId: 'conf-n' })]);
    await meetingEnd('meeting-2');
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    const row = await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.last_error).toMatch(/no personal chat with Tollgate yet/);
    // An ordinary state (the app not installed for them yet): said, but not as a warning or an error.
    expect(logged.filter((l) => l.err?.includes('no personal chat')).map((l) => l.level)).toEqual([30]);
    expect(logged.filter((l) => l.level >= 40)).toEqual([]);
    // They open a chat with the bot; the next attempt delivers.
    await h.say('help', { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' });
    clock.advance(5_000);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    expect(h.adapter.proactive[0]!.reference.conversation?.id).toBe(`personal-${USERS.sub}`);
  });

  it('takes back rows whose worker died mid-delivery once their lease runs out', async () => {
    await meetingEnd();
    // A worker claims the row and dies before delivering.
    const { claimDue } = await import('../../../src/store/outbox-store');
    const now = clock.now();
    const claimed = await claimDue(store, now.toISOString(), new Date(now.getTime() + 60_000).toISOString(), 10);
    expect(claimed).toHaveLength(1);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    clock.advance(61_000);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
  });

  it("remembers the meeting chat, with the card's row when it queues one and on its own when it does not", async () => {
    const chats = async () => (await store.db.selectFrom('conversation_refs').select('conversation_id').where('tenant_id', '=', T).execute()).map((r) => r.conversation_id);
    expect(await chats()).not.toContain('19:meeting_abc@thread.v2');
    await meetingEnd();
    expect(await chats()).toContain('19:meeting_abc@thread.v2');
    await store.db.deleteFrom('conversation_refs').where('conversation_id', '=', '19:meeting_abc@thread.v2').execute();
    h.lookup.meetings.set('meeting-3', { organizerId: USERS.ppm, title: 'No dial-in' });
    await meetingEnd('meeting-3');
    expect(await chats()).toContain('19:meeting_abc@thread.v2');
  });

  it("reads a known tenant's row once for the meetings ending together, and sees a tenant set up since at once", async () => {
    // The reads meeting-end.ts makes for its check (other parts of a turn, and the card's delivery, read the tenant too).
    const findTenant = tenantStore.findTenant;
    const meetingEndReads: string[] = [];
    const reads = jest.spyOn(tenantStore, 'findTenant').mockImplementation((tx, tenantId) => {
      if (/\bat tenantKnown\b/.test(new Error().stack ?? '')) meetingEndReads.push(tenantId);
      return findTenant(tx, tenantId);
    });
    const describe = jest.spyOn(h.lookup, 'describe');
    try {
      h.lookup.meetings.set('meeting-2', { organizerId: USERS.ppm, title: 'Board call', conferenceId: 'conf-b' });
      await Promise.all([meetingEnd(), meetingEnd('meeting-2')]);
      expect(meetingEndReads).toEqual([T]);
      expect(await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).execute()).toHaveLength(2);

      // A tenant Tollgate does not know: skipped before anything is asked of Teams or Graph, and not remembered so.
      const NEW = 'tenant-set-up-later';
      await meetingEnd('meeting-1', NEW);
      expect(describe).toHaveBeenCalledTimes(2);
      expect(await store.db.selectFrom('meeting_cards').selectAll().where('tenant_id', '=', NEW).execute()).toHaveLength(0);
      await setUpTenant(store, {}, NEW);
      await meetingEnd('meeting-1', NEW);
      expect(describe).toHaveBeenCalledTimes(3);
      expect(await store.db.selectFrom('meeting_cards').selectAll().where('tenant_id', '=', NEW).execute()).toHaveLength(1);
      expect(meetingEndReads).toEqual([T, NEW, NEW]);
    } finally {
      reads.mockRestore();
      describe.mockRestore();
    }
  });

  it('asks Teams and Graph about a meeting when it starts, so its end sends the card without asking again', async () => {
    const describe = jest.spyOn(h.lookup, 'describe');
    await meetingStart();
    expect(describe).toHaveBeenCalledTimes(1);
    expect(await meetingStarts()).toEqual([{ tenant_id: T, meeting_id: 'meeting-1', organizer_id: USERS.ppm, conference_id: 'conf-q', title: 'Quarterly review' }]);
    // Teams and Graph would answer nothing now: the end goes by what the start found.
    h.lookup.meetings.delete('meeting-1');
    await meetingEnd();
    expect(describe).toHaveBeenCalledTimes(1);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    const text = cardText(h.adapter.proactive[0]!.activity.attachments?.[0]?.content);
    expect(text).toContain('Quarterly review');
    expect(text).toContain('$0.60');
    // The start event again (a retry, another replica): one row, no second card.
    h.lookup.meetings.set('meeting-1', { organizerId: USERS.ppm, title: 'Quarterly review (renamed)', conferenceId: 'conf-q' });
    await meetingStart();
    await meetingEnd();
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
    expect(await meetingStarts()).toEqual([{ tenant_id: T, meeting_id: 'meeting-1', organizer_id: USERS.ppm, conference_id: 'conf-q', title: 'Quarterly review (renamed)' }]);
  });

  it('asks at the end when the start was not seen, or its look-up failed, and keeps nothing it could not look up', async () => {
    const describe = jest.spyOn(h.lookup, 'describe').mockRejectedValueOnce(new Error('Graph: 503'));
    // The failed look-up at the start fails nothing a user sees, and keeps nothing.
    await expect(meetingStart()).resolves.toBeDefined();
    expect(await meetingStarts()).toEqual([]);
    // A meeting without a dial-in conference, and a tenant Tollgate does not know: nothing kept either.
    h.lookup.meetings.set('meeting-3', { organizerId: USERS.ppm, title: 'No dial-in' });
    await meetingStart('meeting-3');
    await meetingStart('meeting-1', 'tenant-unknown');
    expect(await meetingStarts()).toEqual([]);
    expect(describe).toHaveBeenCalledTimes(2);
    // The end asks Teams and Graph itself, and sends the card.
    await meetingEnd();
    expect(describe).toHaveBeenCalledTimes(3);
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(1);
  });

  it("keeps a meeting's start for three days: the tenant's older starts go when another meeting starts", async () => {
    await meetingStart();
    clock.advance(2 * 24 * 3600_000);
    h.lookup.meetings.set('meeting-2', { organizerId: USERS.ppm, title: 'Board call', conferenceId: 'conf-b' });
    await meetingStart('meeting-2');
    expect((await meetingStarts()).map((r) => r.meeting_id)).toEqual(['meeting-1', 'meeting-2']);
    clock.advance(1 * 24 * 3600_000 + 1);
    h.lookup.meetings.set('meeting-4', { organizerId: USERS.ppm, title: 'Weekly', conferenceId: 'conf-w' });
    await meetingStart('meeting-4');
    expect((await meetingStarts()).map((r) => r.meeting_id)).toEqual(['meeting-2', 'meeting-4']);
  });

  it('skips a meeting without a dial-in conference, and a tenant it does not know', async () => {
    h.lookup.meetings.set('meeting-3', { organizerId: USERS.ppm, title: 'No dial-in' });
    await meetingEnd('meeting-3');
    await meetingEnd('unknown-meeting');
    await h.worker.drain();
    expect(h.adapter.proactive).toHaveLength(0);
    expect(await store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);
    void ADMIN;
  });
});
