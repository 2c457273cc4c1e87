import type restify from 'restify';
import { createServer } from '../../src/http/server';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { storeSnapshot } from '../fuzz/support/store-snapshot';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

/**
 * A replayed intake request (a client's retry after a timeout, or someone who captured one) is answered 200 with
 * every row a duplicate and changes nothing: a leg's id is its identity, so no nonce or replay window is needed,
 * and none would be safe (it would refuse exactly the retries idempotency is for). Authorization writes nothing, so
 * replaying it is harmless too. Both hold when the replays arrive at once, and when a replay is cut up or reordered.
 */
describeEachEngine('intake: replayed requests', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let server: restify.Server;
  let base: string;
  let key: string;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    // 1.00 with auto-recharge below 0.50: the batch crosses the trigger once.
    ({ tollgate } = await setUpTenant(store, { fund: '1', autoRecharge: { trigger: '0.50', amount: '20' }, poolLicenses: 1 }));
    const k = await tollgate.ingestKeys.create(T, ADMIN);
    if (!k.ok) throw new Error(k.message);
    key = k.value.key;
    server = createServer(tollgate, { maxBodyBytes: 1024 * 1024 });
    base = await listenLocally(server);
  });
  afterEach(async () => {
    await closeServer(server);
    await cleanup();
  });

  const post = (body: unknown, path = `/api/tenants/${T}/calls`) =>
    fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });

  /** Credit-paid, pool-drawing, subscription-paid and ignored legs, one malformed row; 0.60 + 0.20 + 0.06 charged. */
  const BATCH = {
    value: [
      leg({ id: 'rp-ppm-out', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, conferenceId: 'rp-1', start: '2026-11-10T09:00:00Z' }),
      leg({ id: 'rp-ppm-in', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, conferenceId: 'rp-1', start: '2026-11-10T09:01:00Z' }),
      leg({ id: 'rp-sub-pool', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 1200, conferenceId: 'rp-2', start: '2026-11-10T10:00:00Z' }),
      leg({ id: 'rp-sub-in', organizer: USERS.sub, callType: 'conf_in', number: NUMBERS.usLandline, seconds: 900, conferenceId: 'rp-2', start: '2026-11-10T10:00:00Z' }),
      leg({ id: 'rp-ppm-out-2', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 45, conferenceId: 'rp-3', start: '2026-11-11T09:00:00Z' }),
      leg({ id: 'rp-user', callType: 'user_in', number: NUMBERS.usLandline, seconds: 60, start: '2026-11-11T10:00:00Z' }),
      { id: 'rp-bad', callType: 'conf_out' },
    ],
  };
  // The same request, byte for byte, every time it is sent.
  const batch = () => JSON.parse(JSON.stringify(BATCH)) as typeof BATCH;
  const everything = () => storeSnapshot(store, T);

  it('answers a replay 200 with every row a duplicate, the same rejections, and changes nothing', async () => {
    const first = await post(batch());
    expect(first.status).toBe(200);
    const summary = (await first.json()) as Record<string, unknown>;
    expect(summary).toMatchObject({ accepted: 5, ignored: 1, duplicates: 0, charged: 860_000, autoRecharges: 1, rejected: [{ id: 'rp-bad', index: 6 }] });
    const after = await everything();
    for (let i = 0; i < 3; i++) {
      const replay = await post(batch());
      expect(replay.status).toBe(200);
      expect(await replay.json()).toEqual({ ...summary, accepted: 0, ignored: 0, duplicates: 6, charged: 0, chargedLegs: 0, autoRecharges: 0 });
      expect(await everything()).toEqual(after);
    }
  });

  it('charges each leg once and recharges once when the same request arrives many times at once', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(batch())));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { accepted: number; duplicates: number; charged: number; autoRecharges: number }[];
    expect(bodies.reduce((n, b) => n + b.accepted, 0)).toBe(5);
    expect(bodies.reduce((n, b) => n + b.charged, 0)).toBe(860_000);
    expect(bodies.reduce((n, b) => n + b.autoRecharges, 0)).toBe(1);
    const entries = await store.db.selectFrom('ledger_entries').select(['kind', 'leg_id']).where('tenant_id', '=', T).execute();
    const charged = entries.filter((e) => e.leg_id !== null).map((e) => e.leg_id);
    expect(new Set(charged).size).toBe(charged.length);
    expect(entries.filter((e) => e.kind === 'auto_recharge')).toHaveLength(1);
    expect((await tollgate.ledger.checkInvariant(T))?.ok).toBe(true);
  });

  it('treats a replay cut into pieces, reordered, or mixed with new legs as duplicates plus only the new legs', async () => {
    await post(batch());
    const after = await everything();
    const rows = batch().value.reverse();
    for (const piece of [rows.slice(0, 2), rows.slice(2, 5), rows.slice(5)]) {
      expect(await (await post(piece)).json()).toMatchObject({ accepted: 0, ignored: 0, charged: 0 });
    }
    expect(await everything()).toEqual(after);
    const fresh = leg({ id: 'rp-new', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-12T09:00:00Z' });
    expect(await (await post([...rows, fresh])).json()).toMatchObject({ accepted: 1, duplicates: 6, charged: 60_000 });
  });

  it('answers a replayed authorization the same each time and writes nothing', async () => {
    const before = await everything();
    const request = { organizerId: USERS.ppm, callType: 'conf_out', number: NUMBERS.deLandline };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await (await post(request, `/api/tenants/${T}/calls/authorize`)).json());
    expect(answers[0]).toMatchObject({ allowed: true });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(await everything()).toEqual(before);
  });
});
