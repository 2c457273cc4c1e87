import { balanceAfterMeeting, findMeeting, listLegs } from '../../src/store/leg-store';
import type { Store } from '../../src/store/database';
import { findMeetingCardDelivery, meetingCostFigures } from '../../src/store/bot-store';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { sqlitePlansOf } from '../support/query-plans';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { scaled } from '../support/time-scale';

/**
 * A meeting's cost card reads its legs, its rollup row and the balance after its last charge in one statement
 * (meetingCostFigures): it must answer what the three separate reads answer, for every kind of meeting.
 */
describeEachEngine('meeting cost figures: legs, rollup and balance after in one read', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '500' }));
    const legs: Record<string, unknown>[] = [];
    // Meetings A and B charged interleaved (B's last charge comes before A's), legs not in start order.
    for (let i = 0; i < 30; i++) {
      const start = new Date(Date.parse('2026-11-10T08:00:00Z') + ((i * 7) % 30) * 60_000).toISOString();
      legs.push(leg({ id: `a-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 30 + i, start, conferenceId: 'conf-a' }));
      if (i % 10 === 0) legs.push(leg({ id: `b-${i}`, organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start, conferenceId: 'conf-b' }));
    }
    // Meeting C: only a leg nobody is charged for (subscription toll dial-in).
    legs.push(leg({ id: 'c-1', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline, seconds: 600, conferenceId: 'conf-c' }));
    const r = await tollgate.intake.ingest(T, legs);
    if (!r.ok) throw new Error(r.message);
  }, scaled(60_000));
  afterAll(async () => cleanup());

  async function expectSameAsSeparateReads(tenantId: string, conferenceId: string): Promise<void> {
    const found = await meetingCostFigures(store.db, tenantId, conferenceId);
    expect(found.legs).toEqual(await listLegs(store.db, tenantId, { conferenceId }));
    expect(found.meeting).toEqual(await findMeeting(store.db, tenantId, conferenceId));
    expect(found.balanceAfter).toBe(await balanceAfterMeeting(store.db, tenantId, conferenceId));
  }

  it('answers what listLegs, findMeeting and balanceAfterMeeting answer', async () => {
    const a = await meetingCostFigures(store.db, T, 'conf-a');
    expect(a.legs).toHaveLength(30);
    expect(a.meeting?.legs).toBe(30);
    expect(a.balanceAfter).not.toBeNull();
    expect((await meetingCostFigures(store.db, T, 'conf-b')).balanceAfter).not.toBe(a.balanceAfter);
    const c = await meetingCostFigures(store.db, T, 'conf-c');
    expect(c.legs).toHaveLength(1);
    expect(c.balanceAfter).toBeNull();
    for (const conferenceId of ['conf-a', 'conf-b', 'conf-c']) await expectSameAsSeparateReads(T, conferenceId);
  });

  it('finds nothing of a meeting it does not know, or of another tenant', async () => {
    expect(await meetingCostFigures(store.db, T, 'no-such-meeting')).toEqual({ legs: [], meeting: undefined, balanceAfter: null });
    expect(await meetingCostFigures(store.db, 'tenant-other', 'conf-a')).toEqual({ legs: [], meeting: undefined, balanceAfter: null });
  });

  it('reads a rollup row without legs, and legs without a rollup row', async () => {
    const a = (await findMeeting(store.db, T, 'conf-a'))!;
    await store.db.insertInto('meetings').values({ ...a, conference_id: 'conf-rollup-only' }).execute();
    const b = await store.db.selectFrom('legs').selectAll().where('tenant_id', '=', T).where('conference_id', '=', 'conf-b').execute();
    await store.db.insertInto('legs').values(b.map((l) => ({ ...l, id: `${l.id}-copy`, conference_id: 'conf-legs-only' }))).execute();
    try {
      const rollupOnly = await meetingCostFigures(store.db, T, 'conf-rollup-only');
      expect(rollupOnly.legs).toEqual([]);
      expect(rollupOnly.meeting?.conference_id).toBe('conf-rollup-only');
      await expectSameAsSeparateReads(T, 'conf-rollup-only');
      // Copies of B's legs keep B's settled_seq but not its ids: no charge entry names them.
      const legsOnly = await meetingCostFigures(store.db, T, 'conf-legs-only');
      expect(legsOnly.legs).toHaveLength(b.length);
      expect(legsOnly.meeting).toBeUndefined();
      expect(legsOnly.balanceAfter).toBeNull();
      await expectSameAsSeparateReads(T, 'conf-legs-only');
    } finally {
      await store.db.deleteFrom('meetings').where('tenant_id', '=', T).where('conference_id', '=', 'conf-rollup-only').execute();
      await store.db.deleteFrom('legs').where('tenant_id', '=', T).where('conference_id', '=', 'conf-legs-only').execute();
    }
  });

  it('lists a leg once however many charge entries name it', async () => {
    const entry = await store.db.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', T).where('leg_id', '=', 'b-10').where('kind', '=', 'charge').executeTakeFirstOrThrow();
    const seq = Number((await store.db.selectFrom('ledger_entries').select((eb) => eb.fn.max('seq').as('seq')).where('tenant_id', '=', T).executeTakeFirstOrThrow()).seq) + 1;
    await store.db.insertInto('ledger_entries').values({ ...entry, seq, balance_after_micros: 123 }).execute();
    try {
      const b = await meetingCostFigures(store.db, T, 'conf-b');
      expect(b.legs.map((l) => l.id)).toEqual((await listLegs(store.db, T, { conferenceId: 'conf-b' })).map((l) => l.id));
      expect(b.balanceAfter).toBe(123);
      await expectSameAsSeparateReads(T, 'conf-b');
    } finally {
      await store.db.deleteFrom('ledger_entries').where('tenant_id', '=', T).where('seq', '=', seq).execute();
    }
  });
});

describe('meetingCostFigures and findMeetingCardDelivery (SQLite query plans)', () => {
  it('read the rollup by key, legs by conference and their entries by leg_seq, and nothing else', async () => {
    const { result, plans } = await sqlitePlansOf(async (tx) => [await meetingCostFigures(tx, 't', 'c'), await findMeetingCardDelivery(tx, 't', 'c')]);
    expect(result).toEqual([{ legs: [], meeting: undefined, balanceAfter: null }, undefined]);
    expect(plans).toHaveLength(2);
    for (const details of plans) {
      const plan = details.join('\n');
      expect(plan).toMatch(/SEARCH m USING INDEX sqlite_autoindex_meetings_1 \(tenant_id=\? AND conference_id=\?\)/);
      expect(plan).toMatch(/SEARCH l USING (COVERING )?INDEX legs_conference_start \(tenant_id=\? AND conference_id=\?\)/);
      expect(plan).toMatch(/SEARCH e USING INDEX ledger_entries_leg_seq \(tenant_id=\? AND leg_seq=\?\)/);
      expect(plan).not.toMatch(/SCAN (l|e|m|mc|t|u|cr|p)\b/);
    }
  });
});
