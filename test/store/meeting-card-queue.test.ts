import { findConversation, findMeetingCard, findMeetingCardDelivery, insertMeetingCardQueued, meetingCostFigures, startMeetingCardOccurrence, upsertConversationRef, type ConversationRefRow } from '../../src/store/bot-store';
import type { Store } from '../../src/store/database';
import { findOutboxRow, outboxRowOf } from '../../src/store/outbox-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';

/**
 * A meeting's end writes its card row, queues the card's post only when the row is new (first writer wins), and may
 * write the meeting chat's reference with them (insertMeetingCardQueued: one statement on PostgreSQL).
 */
describeEachEngine('meeting card and its post queued together', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    await setUpTenant(store);
  });
  afterAll(async () => cleanup());

  const at = '2026-11-15T11:00:00.000Z';
  const cardOf = (conferenceId: string, title = `Meeting ${conferenceId}`) => ({
    tenant_id: T,
    conference_id: conferenceId,
    meeting_id: `m-${conferenceId}`,
    organizer_id: USERS.sub,
    title,
    ended_at: at,
    legs_after: null,
    legs_until: null,
    conversation_id: null,
    activity_id: null,
    created_at: at,
    updated_at: at,
  });
  const message = (key: string, leaseUntil?: string) =>
    outboxRowOf({ tenantId: T, kind: 'meeting_card.send', dedupeKey: key, payload: { conferenceId: key }, at }, leaseUntil);
  const chat = (reference: string, updatedAt: string): ConversationRefRow => ({
    tenant_id: T,
    conversation_id: '19:meeting@thread.v2',
    conversation_type: 'groupChat',
    user_id: null,
    reference,
    updated_at: updatedAt,
  });

  it('a new card: the card, its post (claimed or not) and the chat', async () => {
    const claimed = message('key-1', '2026-11-15T11:01:00.000Z');
    expect(await store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, cardOf('conf-1'), claimed, chat('{"a":1}', at)))).toEqual({ created: true, queued: true });
    expect(await findMeetingCard(store.db, T, 'conf-1')).toEqual(cardOf('conf-1'));
    const row = await findOutboxRow(store.db, T, 'key-1');
    expect({ ...row, attempts: Number(row!.attempts) }).toEqual(claimed);
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1, lease_until: '2026-11-15T11:01:00.000Z' });
    expect(await findConversation(store.db, T, '19:meeting@thread.v2')).toEqual(chat('{"a":1}', at));

    const pending = message('key-2');
    expect(await store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, cardOf('conf-2'), pending))).toEqual({ created: true, queued: true });
    const row2 = await findOutboxRow(store.db, T, 'key-2');
    expect({ ...row2, attempts: Number(row2!.attempts) }).toEqual(pending);
    expect(pending).toMatchObject({ status: 'pending', attempts: 0, lease_until: null });
  });

  it('the same card again: nothing queued, the first card kept, the chat still written', async () => {
    const later = '2026-11-15T12:00:00.000Z';
    const again = message('key-1-again');
    expect(await store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, cardOf('conf-1', 'Another title'), again, chat('{"a":2}', later)))).toEqual({
      created: false,
      queued: false,
    });
    expect((await findMeetingCard(store.db, T, 'conf-1'))!.title).toBe('Meeting conf-1');
    expect(await findOutboxRow(store.db, T, 'key-1-again')).toBeUndefined();
    expect(await findConversation(store.db, T, '19:meeting@thread.v2')).toEqual(chat('{"a":2}', later));
  });

  it('a new card whose post is queued already: the card, no second post', async () => {
    expect(await store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, cardOf('conf-3'), message('key-1')))).toEqual({ created: true, queued: false });
    expect(await findMeetingCard(store.db, T, 'conf-3')).toEqual(cardOf('conf-3'));
    expect((await findOutboxRow(store.db, T, 'key-1'))!.payload).toBe(JSON.stringify({ conferenceId: 'key-1' }));
    expect(await store.db.selectFrom('outbox').select('id').where('tenant_id', '=', T).execute()).toHaveLength(2);
  });

  it("reads the new card's delivery in the same statement on PostgreSQL, as findMeetingCardDelivery reads it after", async () => {
    const { tollgate } = await setUpTenant(store, { fund: '100' }, 'tenant-delivery');
    const r = await tollgate.intake.ingest('tenant-delivery', [
      leg({ id: 'e-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, start: '2026-11-15T10:05:00.000Z', conferenceId: 'conf-e' }),
      leg({ id: 'e-0', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-15T10:00:00.000Z', conferenceId: 'conf-e' }),
    ]);
    expect(r.ok).toBe(true);
    await store.inTransaction((tx) => upsertConversationRef(tx, { ...chat('{"personal":1}', at), tenant_id: 'tenant-delivery', conversation_id: 'a:sub', conversation_type: 'personal', user_id: USERS.sub }));
    const card = { ...cardOf('conf-e'), tenant_id: 'tenant-delivery' };
    const queue = (key: string) => ({ ...message(key), tenant_id: 'tenant-delivery' });
    const written = await store.inTenantTransaction('tenant-delivery', (tx) => insertMeetingCardQueued(tx, card, queue('key-e'), undefined, { readDelivery: true }));
    expect(written).toMatchObject({ created: true, queued: true });
    if (engine === 'sqlite') {
      expect(written.delivery).toBeUndefined();
    } else {
      const after = await findMeetingCardDelivery(store.db, 'tenant-delivery', 'conf-e');
      expect(written.delivery).toEqual(after);
      expect(written.delivery!.figures.legs.map((l) => l.id)).toEqual(['e-0', 'e-1']);
      expect(written.delivery!.chat?.conversation_id).toBe('a:sub');
      expect(written.delivery!.organizer?.aad_object_id).toBe(USERS.sub);
      expect(written.delivery!.figures.balanceAfter).not.toBeNull();
    }
    // Not created: nothing to deliver.
    const again = await store.inTenantTransaction('tenant-delivery', (tx) => insertMeetingCardQueued(tx, card, queue('key-e2'), undefined, { readDelivery: true }));
    expect(again).toEqual({ created: false, queued: false });
  });

  it("one occurrence's card (a recurring meeting) reads only the legs in its window, in the statement and after", async () => {
    const { tollgate } = await setUpTenant(store, { fund: '100' }, 'tenant-window');
    const r = await tollgate.intake.ingest('tenant-window', [
      leg({ id: 'w-before', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-08T10:00:00.000Z', conferenceId: 'conf-w' }),
      leg({ id: 'w-first', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-15T10:00:00.001Z', conferenceId: 'conf-w' }),
      leg({ id: 'w-last', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-15T11:05:00.000Z', conferenceId: 'conf-w' }),
      leg({ id: 'w-after', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-15T11:05:00.001Z', conferenceId: 'conf-w' }),
    ]);
    expect(r.ok).toBe(true);
    // After 10:00:00.000 (not at it), up to and at 11:05.
    const card = { ...cardOf('conf-w'), tenant_id: 'tenant-window', legs_after: '2026-11-15T10:00:00.000Z', legs_until: '2026-11-15T11:05:00.000Z' };
    const written = await store.inTenantTransaction('tenant-window', (tx) => insertMeetingCardQueued(tx, card, { ...message('key-w'), tenant_id: 'tenant-window' }, undefined, { readDelivery: true }));
    expect(written).toMatchObject({ created: true, queued: true });
    const after = await findMeetingCardDelivery(store.db, 'tenant-window', 'conf-w');
    expect(after!.figures.legs.map((l) => l.id)).toEqual(['w-first', 'w-last']);
    // The series' rollup row is not the occurrence's: the card takes its times from its legs.
    expect(after!.figures.meeting).toBeUndefined();
    if (engine === 'postgres') expect(written.delivery).toEqual(after);
    // The whole meeting (`meeting conf-w`) still reads every leg.
    const all = await store.inTransaction((tx) => meetingCostFigures(tx, 'tenant-window', 'conf-w'));
    expect(all.legs.map((l) => l.id)).toEqual(['w-before', 'w-first', 'w-last', 'w-after']);
    expect(all.meeting?.legs).toBe(4);
    const one = await store.inTransaction((tx) => meetingCostFigures(tx, 'tenant-window', 'conf-w', { after: card.legs_after, until: card.legs_until }));
    expect(one.legs.map((l) => l.id)).toEqual(['w-first', 'w-last']);
  });

  it("a later occurrence takes the row over once; the previous card is kept only if it was posted; old kept cards go", async () => {
    const first = { ...cardOf('conf-r'), ended_at: '2026-11-01T11:00:00.000Z', legs_after: '2026-10-31T05:00:00.000Z', legs_until: '2026-11-01T11:05:00.000Z' };
    await store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, first, message('key-r1')));
    const second = { ...first, ended_at: '2026-11-08T11:00:00.000Z', legs_after: '2026-11-01T11:05:00.000Z', legs_until: '2026-11-08T11:05:00.000Z' };
    // Not posted: nothing to keep.
    expect(await store.inTenantTransaction(T, (tx) => startMeetingCardOccurrence(tx, second, first, '2026-10-01T00:00:00.000Z'))).toBe(true);
    expect(await store.db.selectFrom('meeting_card_occurrences').selectAll().execute()).toEqual([]);
    // The same takeover again (another replica, after the first committed): the row is not `first` any more.
    expect(await store.inTenantTransaction(T, (tx) => startMeetingCardOccurrence(tx, second, first, '2026-10-01T00:00:00.000Z'))).toBe(false);
    const posted = { ...second, conversation_id: 'a:sub', activity_id: 'act-2' };
    await store.db.updateTable('meeting_cards').set({ conversation_id: 'a:sub', activity_id: 'act-2' }).where('tenant_id', '=', T).where('conference_id', '=', 'conf-r').execute();
    const third = { ...first, ended_at: '2026-11-15T11:00:00.000Z', legs_after: '2026-11-08T11:05:00.000Z', legs_until: '2026-11-15T11:05:00.000Z' };
    expect(await store.inTenantTransaction(T, (tx) => startMeetingCardOccurrence(tx, third, posted, '2026-10-01T00:00:00.000Z'))).toBe(true);
    expect(await findMeetingCard(store.db, T, 'conf-r')).toEqual(third);
    expect(await store.db.selectFrom('meeting_card_occurrences').selectAll().execute()).toEqual([posted]);
    const found = await findMeetingCardDelivery(store.db, T, 'conf-r', posted.ended_at);
    expect(found?.card).toEqual(posted);
    // Five weeks on, the kept card of 8 November is older than the horizon: it goes.
    const later = { ...first, ended_at: '2026-12-20T11:00:00.000Z', legs_after: '2026-11-15T11:05:00.000Z', legs_until: '2026-12-20T11:05:00.000Z' };
    expect(await store.inTenantTransaction(T, (tx) => startMeetingCardOccurrence(tx, later, third, '2026-11-15T11:00:00.000Z'))).toBe(true);
    expect(await store.db.selectFrom('meeting_card_occurrences').selectAll().execute()).toEqual([]);
  });

  it("refuses a message of another tenant than the card's", async () => {
    const other = { ...message('key-4'), tenant_id: 'tenant-other' };
    await expect(store.inTenantTransaction(T, (tx) => insertMeetingCardQueued(tx, cardOf('conf-4'), other))).rejects.toThrow(/different tenants/);
  });
});
