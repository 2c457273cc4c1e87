import type restify from 'restify';
import { createServer } from '../../src/http/server';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { storeSnapshot } from '../fuzz/support/store-snapshot';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

/**
 * Text no database keeps as it is (a NUL, a lone surrogate) in every field the HTTP API reads: a 400 or a row
 * rejected with its reason, never a 500, and nothing written. PostgreSQL refuses a NUL in any query, so these
 * answered 500 there (or failed a whole chunk of good legs) before the API refused such text itself.
 */
describeEachEngine('HTTP API: text no database keeps', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let server: restify.Server;
  let base: string;
  let key: string;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '10' }));
    const k = await tollgate.ingestKeys.create(T, ADMIN);
    if (!k.ok) throw new Error(k.message);
    key = k.value.key;
    server = createServer(tollgate, { maxBodyBytes: 1024 * 1024 });
    base = await listenLocally(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await cleanup();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } });

  it.each([
    ['organizerId', 'a NUL', { organizerId: `${USERS.ppm}\u0000`, callType: 'conf_out', number: NUMBERS.deLandline }],
    ['organizerId', 'a lone surrogate', { organizerId: 'ppm@contoso.example\uD800', callType: 'conf_out', number: NUMBERS.deLandline }],
    ['number', 'a NUL', { organizerId: USERS.ppm, callType: 'conf_out', number: `${NUMBERS.deLandline}\u0000` }],
    ['numberType', 'a NUL', { organizerId: USERS.ppm, callType: 'conf_out', number: NUMBERS.deLandline, numberType: 'toll\u0000' }],
  ])('refuses an authorization request whose %s holds %s with 400, and writes nothing', async (field, _what, body) => {
    const before = await storeSnapshot(store);
    const res = await post(`/api/tenants/${T}/calls/authorize`, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining(field) });
    expect(await storeSnapshot(store)).toEqual(before);
  });

  it('rejects intake rows holding such text, each with its reason, and settles the good rows of the batch', async () => {
    const good = leg({ id: 'good', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60 });
    const rows = [
      { ...leg({ id: 'nul-id\u0000', number: NUMBERS.deLandline, seconds: 60 }) },
      { ...leg({ id: 'nul-name', number: NUMBERS.deLandline, seconds: 60 }), userDisplayName: 'Ann\u0000' },
      { ...leg({ id: 'lone-conf', number: NUMBERS.deLandline, seconds: 60 }), conferenceId: 'conf\uDC00' },
      good,
    ];
    for (let round = 0; round < 2; round++) {
      const res = await post(`/api/tenants/${T}/calls`, rows);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number; reason: string; message: string }[] };
      expect(body.rejected.map((r) => [r.index, r.reason, r.message.split(':')[0]])).toEqual([
        [0, 'malformed_record', 'id'],
        [1, 'malformed_record', 'userDisplayName'],
        [2, 'malformed_record', 'conferenceId'],
      ]);
      expect([body.accepted, body.duplicates]).toEqual(round === 0 ? [1, 0] : [0, 1]);
    }
    const ids = await store.db.selectFrom('legs').select('id').where('tenant_id', '=', T).execute();
    expect(ids.map((r) => r.id)).toEqual(['good']);
  });
});
