import {
  findMeetingCard,
  findMeetingCardDelivery,
  findPersonalConversation,
  insertMeetingCard,
  meetingCostFigures,
  setMeetingCardActivities,
  setMeetingCardActivitiesMarkingDone,
  upsertConversationRef,
  type ConversationRefRow,
} from '../../src/store/bot-store';
import type { Store } from '../../src/store/database';
import { findUser } from '../../src/store/user-store';
import { enqueueClaimed } from '../../src/store/outbox-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { balanceAfterMeeting, findMeeting, listLegs } from '../../src/store/leg-store';
import { scaled } from '../support/time-scale';

/**
 * A meeting card's delivery reads the card, the tenant's currency, the organizer's latest personal chat and their
 * user row in one statement (findMeetingCardDelivery): it must find what the separate reads find, and nothing of
 * another tenant, another user or another kind of conversation.
 */
describeEachEngine('meeting card delivery: card, currency and personal chat in one read', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const OTHER = 'tenant-other';

  const card = (tenantId: string, conferenceId: string, organizerId: string) => ({
    tenant_id: tenantId,
    conference_id: conferenceId,
    meeting_id: `m-${conferenceId}`,
    organizer_id: organizerId,
    title: `Meeting ${conferenceId}`,
    ended_at: '2026-11-15T11:00:00.000Z',
    conversation_id: null,
    activity_id: null,
    created_at: '2026-11-15T11:00:00.000Z',
    updated_at: '2026-11-15T11:00:00.000Z',
  });
  const chat = (tenantId: string, conversationId: string, userId: string | null, type: string, updatedAt: string): ConversationRefRow => ({
    tenant_id: tenantId,
    conversation_id: conversationId,
    conversation_type: type,
    user_id: userId,
    reference: JSON.stringify({ conversation: { id: conversationId }, tag: `${tenantId}/${conversationId}` }),
    updated_at: updatedAt,
  });

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    await setUpTenant(store);
    await setUpTenant(store, {}, OTHER);
    await store.db.updateTable('tenants').set({ currency: 'EUR' }).where('tenant_id', '=', OTHER).execute();
    // The same user in both tenants, told apart by name.
    await store.db.updateTable('users').set({ display_name: 'Sub in the other tenant' }).where('tenant_id', '=', OTHER).where('aad_object_id', '=', USERS.sub).execute();
    await store.inTransaction(async (tx) => {
      for (const c of [card(T, 'conf-1', USERS.sub), card(T, 'conf-2', USERS.ppm), card(OTHER, 'conf-1', USERS.sub), card(T, 'conf-5', 'not-a-user')]) await insertMeetingCard(tx, c);
      // The organizer's two personal chats (the later one counts), a group chat of theirs updated since, the same
      // user's chat in the other tenant, updated later still.
      await upsertConversationRef(tx, chat(T, 'a:old', USERS.sub, 'personal', '2026-11-10T00:00:00.000Z'));
      await upsertConversationRef(tx, chat(T, 'a:new', USERS.sub, 'personal', '2026-11-12T00:00:00.000Z'));
      await upsertConversationRef(tx, chat(T, '19:group', USERS.sub, 'groupChat', '2026-11-14T00:00:00.000Z'));
      await upsertConversationRef(tx, chat(OTHER, 'a:other', USERS.sub, 'personal', '2026-11-14T00:00:00.000Z'));
    });
  }, scaled(60_000));
  afterAll(async () => cleanup());

  it('finds what findMeetingCard, the tenant, findPersonalConversation and findUser find', async () => {
    const found = await findMeetingCardDelivery(store.db, T, 'conf-1');
    expect(found).toBeDefined();
    expect(found!.card).toEqual(await findMeetingCard(store.db, T, 'conf-1'));
    const organizer = await findUser(store.db, T, USERS.sub);
    expect(organizer).toBeDefined();
    expect(found!.organizer).toEqual(organizer);
    expect(found!.currency).toBe('USD');
    const personal = (await findPersonalConversation(store.db, T, USERS.sub))!;
    expect(personal.conversation_id).toBe('a:new');
    expect(found!.chat).toEqual({ conversation_id: personal.conversation_id, reference: personal.reference });
  });

  it("keeps to the card's tenant", async () => {
    const found = await findMeetingCardDelivery(store.db, OTHER, 'conf-1');
    expect(found!.card.tenant_id).toBe(OTHER);
    expect(found!.currency).toBe('EUR');
    expect(found!.chat?.conversation_id).toBe('a:other');
    expect(found!.organizer).toEqual(await findUser(store.db, OTHER, USERS.sub));
    expect(found!.organizer?.display_name).toBe('Sub in the other tenant');
  });

  it('an organizer with no user row: the card, no organizer', async () => {
    const found = await findMeetingCardDelivery(store.db, T, 'conf-5');
    expect(found!.card).toEqual(await findMeetingCard(store.db, T, 'conf-5'));
    expect(found!.organizer).toBeUndefined();
  });

  it('an organizer without a personal chat: the card, no chat', async () => {
    const found = await findMeetingCardDelivery(store.db, T, 'conf-2');
    expect(found!.card.organizer_id).toBe(USERS.ppm);
    expect(found!.chat).toBeUndefined();
  });

  it("reads the meeting's legs, rollup row and balance after with the card, as meetingCostFigures does", async () => {
    const { tollgate } = await setUpTenant(store, { fund: '100' }, 'tenant-legs');
    const legs = [0, 1, 2].map((i) => leg({ id: `d-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 * (i + 1), start: `2026-11-15T10:0${2 - i}:00.000Z`, conferenceId: 'conf-d' }));
    const r = await tollgate.intake.ingest('tenant-legs', legs);
    expect(r.ok).toBe(true);
    await store.inTransaction((tx) => insertMeetingCard(tx, card('tenant-legs', 'conf-d', USERS.ppm)));
    const found = (await findMeetingCardDelivery(store.db, 'tenant-legs', 'conf-d'))!;
    expect(found.card).toEqual(await findMeetingCard(store.db, 'tenant-legs', 'conf-d'));
    expect(found.currency).toBe('USD');
    expect(found.organizer).toEqual(await findUser(store.db, 'tenant-legs', USERS.ppm));
    expect(found.figures.legs.map((l) => l.id)).toEqual(['d-2', 'd-1', 'd-0']);
    expect(found.figures.legs).toEqual(await listLegs(store.db, 'tenant-legs', { conferenceId: 'conf-d' }));
    expect(found.figures.meeting).toEqual(await findMeeting(store.db, 'tenant-legs', 'conf-d'));
    expect(found.figures.balanceAfter).not.toBeNull();
    expect(found.figures.balanceAfter).toBe(await balanceAfterMeeting(store.db, 'tenant-legs', 'conf-d'));
    expect(found.figures).toEqual(await meetingCostFigures(store.db, 'tenant-legs', 'conf-d'));
    // A card whose meeting has no legs (yet): no figures.
    expect((await findMeetingCardDelivery(store.db, T, 'conf-1'))!.figures).toEqual({ legs: [], meeting: undefined, balanceAfter: null });
  });

  it('records the posted activities and marks their outbox rows done in one statement (PostgreSQL only)', async () => {
    await store.inTransaction(async (tx) => {
      for (const c of [card(T, 'conf-6', USERS.sub), card(T, 'conf-7', USERS.sub), card(OTHER, 'conf-6', USERS.sub)]) await insertMeetingCard(tx, c);
    });
    const at = '2026-11-15T12:00:00.000Z';
    const claimed = await store.inTransaction(async (tx) => {
      const rows = [];
      for (const key of ['k-6', 'k-7', 'k-stale']) rows.push((await enqueueClaimed(tx, { tenantId: T, kind: 'meeting_card.send', dedupeKey: key, payload: {}, at }, '2026-11-15T12:05:00.000Z'))!);
      return rows;
    });
    const cards = [
      { tenantId: T, conferenceId: 'conf-6', conversationId: 'a:new', activityId: 'act-6', at: '2026-11-15T12:00:05.000Z' },
      { tenantId: T, conferenceId: 'conf-7', conversationId: 'a:new', activityId: 'act-7', at: '2026-11-15T12:00:06.000Z' },
    ];
    // The third claim no longer holds (another worker claimed the row since: one more attempt).
    const rows = claimed.map((r, i) => ({ tenant_id: r.tenant_id, id: r.id, attempts: i === 2 ? r.attempts - 1 : r.attempts }));
    if (engine === 'sqlite') {
      await expect(setMeetingCardActivitiesMarkingDone(store.db, cards, rows, '2026-11-15T12:00:07.000Z')).rejects.toThrow(/PostgreSQL only/);
      return;
    }
    const marked = await setMeetingCardActivitiesMarkingDone(store.db, cards, rows, '2026-11-15T12:00:07.000Z');
    expect([...marked].sort()).toEqual([claimed[0]!.id, claimed[1]!.id].sort());
    const outbox = new Map((await store.db.selectFrom('outbox').selectAll().where('tenant_id', '=', T).execute()).map((r) => [r.dedupe_key, r]));
    expect(outbox.get('k-6')).toMatchObject({ status: 'done', done_at: '2026-11-15T12:00:07.000Z', lease_until: null });
    expect(outbox.get('k-7')).toMatchObject({ status: 'done', done_at: '2026-11-15T12:00:07.000Z', lease_until: null });
    expect(outbox.get('k-stale')).toMatchObject({ status: 'sending', done_at: null });
    const row = async (tenantId: string, conferenceId: string) => {
      const r = (await findMeetingCard(store.db, tenantId, conferenceId))!;
      return [r.conversation_id, r.activity_id, r.updated_at];
    };
    expect(await row(T, 'conf-6')).toEqual(['a:new', 'act-6', '2026-11-15T12:00:05.000Z']);
    expect(await row(T, 'conf-7')).toEqual(['a:new', 'act-7', '2026-11-15T12:00:06.000Z']);
    expect(await row(OTHER, 'conf-6')).toEqual([null, null, '2026-11-15T11:00:00.000Z']);
  });

  it('no card: nothing', async () => {
    expect(await findMeetingCardDelivery(store.db, T, 'conf-none')).toBeUndefined();
    expect(await findMeetingCardDelivery(store.db, 'tenant-none', 'conf-1')).toBeUndefined();
  });

  it('records the posted activities of several cards in one statement, each on its own row', async () => {
    await store.inTransaction(async (tx) => {
      for (const c of [card(T, 'conf-3', USERS.sub), card(T, 'conf-4', USERS.sub), card(OTHER, 'conf-3', USERS.sub), card(OTHER, 'conf-4', USERS.sub)]) await insertMeetingCard(tx, c);
    });
    // Same conference ids in two tenants: only the named (tenant, conference) pairs change.
    await store.inTransaction((tx) =>
      setMeetingCardActivities(tx, [
        { tenantId: T, conferenceId: 'conf-3', conversationId: 'a:new', activityId: 'act-t-3', at: '2026-11-15T12:00:01.000Z' },
        { tenantId: OTHER, conferenceId: 'conf-4', conversationId: 'a:other', activityId: 'act-o-4', at: '2026-11-15T12:00:02.000Z' },
        { tenantId: T, conferenceId: 'conf-4', conversationId: 'a:new', activityId: 'act-t-4', at: '2026-11-15T12:00:03.000Z' },
      ]),
    );
    const row = async (tenantId: string, conferenceId: string) => {
      const r = (await findMeetingCard(store.db, tenantId, conferenceId))!;
      return [r.conversation_id, r.activity_id, r.updated_at];
    };
    expect(await row(T, 'conf-3')).toEqual(['a:new', 'act-t-3', '2026-11-15T12:00:01.000Z']);
    expect(await row(T, 'conf-4')).toEqual(['a:new', 'act-t-4', '2026-11-15T12:00:03.000Z']);
    expect(await row(OTHER, 'conf-4')).toEqual(['a:other', 'act-o-4', '2026-11-15T12:00:02.000Z']);
    expect(await row(OTHER, 'conf-3')).toEqual([null, null, '2026-11-15T11:00:00.000Z']);
    // One card: the single-row update.
    await setMeetingCardActivities(store.db, [{ tenantId: OTHER, conferenceId: 'conf-3', conversationId: 'a:other', activityId: 'act-o-3', at: '2026-11-15T12:00:04.000Z' }]);
    expect(await row(OTHER, 'conf-3')).toEqual(['a:other', 'act-o-3', '2026-11-15T12:00:04.000Z']);
  });
});
