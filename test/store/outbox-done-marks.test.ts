import { insertMeetingCard, setMeetingCardActivitiesMarkingDone } from '../../src/store/bot-store';
import type { Store } from '../../src/store/database';
import { enqueueClaimed, markDoneMany, type OutboxRow } from '../../src/store/outbox-store';
import { describeEachEngine, freshStore } from '../support/engines';
import { T, USERS, setUpTenant } from '../support/fixtures';

/**
 * The outbox worker marks what it delivered done in one statement per batch (its text kept per batch length): each
 * row only while its claim holds (status sending, the same attempt), whatever the batch's length, including lengths
 * past the kept shapes.
 */
describeEachEngine('outbox done marks', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let seq = 0;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    await setUpTenant(store, {});
  });
  afterEach(async () => cleanup());

  /** `n` rows claimed by this worker (attempt 1, status sending). */
  const claimed = (n: number): Promise<OutboxRow[]> =>
    store.inTransaction(async (tx) => {
      const rows: OutboxRow[] = [];
      for (let i = 0; i < n; i++) {
        const row = await enqueueClaimed(tx, { tenantId: T, kind: 'test.kind', dedupeKey: `k-${seq++}`, payload: { i }, at: '2026-11-15T12:00:00.000Z' }, '2026-11-15T12:01:00.000Z');
        rows.push(row!);
      }
      return rows;
    });
  const statusOf = async (ids: string[]) => {
    const rows = await store.db.selectFrom('outbox').select(['id', 'status', 'done_at', 'lease_until']).where('tenant_id', '=', T).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)!.status);
  };
  const ref = (r: OutboxRow, stale = false) => ({ tenant_id: r.tenant_id, id: r.id, attempts: Number(r.attempts) + (stale ? 1 : 0) });

  it.each([1, 3, 150])('marks %i claimed rows done, and not one whose claim no longer holds', async (n) => {
    const rows = await claimed(n);
    // The last row's claim was taken over (another attempt since), unless it is the only one.
    const refs = rows.map((r, i) => ref(r, n > 1 && i === n - 1));
    const marked = await markDoneMany(store.db, refs, '2026-11-15T12:00:30.000Z');
    const expected = n > 1 ? rows.slice(0, -1).map((r) => r.id) : [rows[0]!.id];
    expect([...marked].sort()).toEqual([...expected].sort());
    expect(await statusOf(rows.map((r) => r.id))).toEqual(rows.map((_, i) => (n > 1 && i === n - 1 ? 'sending' : 'done')));
    const done = await store.db.selectFrom('outbox').select(['done_at', 'lease_until', 'last_error']).where('status', '=', 'done').execute();
    expect(done).toEqual(expected.map(() => ({ done_at: '2026-11-15T12:00:30.000Z', lease_until: null, last_error: null })));
    // Marked again: already done, so nothing is marked.
    expect(await markDoneMany(store.db, refs, '2026-11-15T12:00:40.000Z')).toEqual(new Set());
  });

  if (engine === 'postgres') {
    it.each([
      [2, 3],
      [11, 11],
    ])('PostgreSQL: records %i cards and marks %i rows in one statement (lists of other lengths, and past the kept shapes)', async (cards, n) => {
      const rows = await claimed(n);
      await store.inTransaction(async (tx) => {
        for (let i = 0; i < cards; i++) {
          await insertMeetingCard(tx, {
            tenant_id: T,
            conference_id: `conf-${i}`,
            meeting_id: `m-${i}`,
            organizer_id: USERS.ppm,
            title: null,
            ended_at: null,
            conversation_id: null,
            activity_id: null,
            created_at: '2026-11-15T11:00:00.000Z',
            updated_at: '2026-11-15T11:00:00.000Z',
          });
        }
      });
      const activities = Array.from({ length: cards }, (_, i) => ({ tenantId: T, conferenceId: `conf-${i}`, conversationId: 'a:chat', activityId: `act-${i}`, at: '2026-11-15T12:00:20.000Z' }));
      const marked = await setMeetingCardActivitiesMarkingDone(store.db, activities, rows.map((r, i) => ref(r, i === 0)), '2026-11-15T12:00:30.000Z');
      expect([...marked].sort()).toEqual(rows.slice(1).map((r) => r.id).sort());
      expect(await statusOf(rows.map((r) => r.id))).toEqual(rows.map((_, i) => (i === 0 ? 'sending' : 'done')));
      const posted = await store.db.selectFrom('meeting_cards').select(['conference_id', 'activity_id']).where('tenant_id', '=', T).orderBy('meeting_id').execute();
      expect(posted.map((p) => p.activity_id).sort()).toEqual(activities.map((a) => a.activityId).sort());
    });
  }
});
