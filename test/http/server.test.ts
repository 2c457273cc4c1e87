import type restify from 'restify';
import { createServer } from '../../src/http/server';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

describeEachEngine('HTTP API', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let server: restify.Server;
  let base: string;
  let key: string;
  let otherKey: string;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '10' }));
    await setUpTenant(store, {}, 'tenant-b');
    const k = await tollgate.ingestKeys.create(T, ADMIN);
    const k2 = await tollgate.ingestKeys.create('tenant-b', ADMIN);
    if (!k.ok || !k2.ok) throw new Error('keys');
    key = k.value.key;
    otherKey = k2.value.key;
    server = createServer(tollgate, { maxBodyBytes: 64 * 1024 });
    base = await listenLocally(server);
  });
  afterEach(async () => {
    await closeServer(server);
    await cleanup();
  });

  const post = (path: string, body: string, auth?: string, extra: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...extra } });
  const legCount = async () => Number((await store.db.selectFrom('legs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: engine });
  });

  it('takes a batch and answers with its summary; the same batch again is all duplicates', async () => {
    const body = JSON.stringify({ value: [leg({ id: 'h1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 61 }), { id: 'h2' }] });
    const res = await post(`/api/tenants/${T}/calls`, body, key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0, conflicts: 0, ignored: 0, charged: 120_000, rejected: [{ id: 'h2', reason: 'malformed_record' }] });
    const again = await post(`/api/tenants/${T}/calls`, body, key);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1, charged: 0 });
    expect(await legCount()).toBe(1);
  });

  it.each([
    ['no key', undefined, 401, 'missing_key'],
    ['a malformed key', 'hello', 401, 'invalid_key'],
    ['a wrong secret', 'KEY_WITH_WRONG_SECRET', 401, 'invalid_key'],
    ["another tenant's key", 'OTHER', 403, 'wrong_tenant'],
  ])('refuses %s and writes nothing', async (_what, auth, status, error) => {
    const presented = auth === 'OTHER' ? otherKey : auth === 'KEY_WITH_WRONG_SECRET' ? `${key.slice(0, -4)}AAAA` : auth;
    const res = await post(`/api/tenants/${T}/calls`, JSON.stringify([leg({ number: NUMBERS.usLandline, seconds: 60 })]), presented);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error });
    expect(await legCount()).toBe(0);
  });

  it('refuses malformed JSON (400), a body that is not a batch (400) and an oversized body (413), writing nothing', async () => {
    const bad = await post(`/api/tenants/${T}/calls`, '{"value": [', key);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'malformed_json' });
    const notBatch = await post(`/api/tenants/${T}/calls`, '{"rows": []}', key);
    expect(notBatch.status).toBe(400);
    expect(await notBatch.json()).toMatchObject({ error: 'not_a_batch' });
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => leg({ id: `big-${i}`, number: NUMBERS.usLandline, seconds: 60 })));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const tooBig = await post(`/api/tenants/${T}/calls`, big, key);
    expect(tooBig.status).toBe(413);
    expect(await legCount()).toBe(0);
  });

  it('survives deeply nested JSON without writing anything', async () => {
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)}`;
    const res = await post(`/api/tenants/${T}/calls`, deep, key);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 0, rejected: [{ reason: 'malformed_record' }] });
    expect(await legCount()).toBe(0);
  });

  describe('authorize', () => {
    const authorize = (body: unknown, auth = key) => post(`/api/tenants/${T}/calls/authorize`, JSON.stringify(body), auth);

    it('allows a pay-per-minute domestic dial-out and says how long the balance lasts', async () => {
      const res = await authorize({ organizerId: 'ppm@contoso.example', callType: 'conf_out', number: NUMBERS.deLandline });
      expect(res.status).toBe(200);
      // 10.00 at 0.06/min -> 166 whole minutes
      expect(await res.json()).toMatchObject({ allowed: true, paidBy: 'credits', destinationCountry: 'DE', maxDurationSeconds: 166 * 60, currency: 'USD', rate: { perMinuteMicros: 60_000 } });
    });

    it('refuses what the policy forbids, with a reason and a message', async () => {
      const res = await authorize({ organizerId: USERS.ppm, callType: 'conf_out', number: NUMBERS.frLandline });
      expect(await res.json()).toMatchObject({ allowed: false, reason: 'dialout_domestic_only', message: expect.stringMatching(/.{20,}/) });
    });

    it('refuses toll-free dial-in for an organizer whose switch is off', async () => {
      const res = await authorize({ organizerId: USERS.addon, callType: 'conf_in', number: NUMBERS.usTollFree, numberType: 'TollFree' });
      expect(await res.json()).toMatchObject({ allowed: false, reason: 'tollfree_disabled_for_organizer' });
    });

    it('refuses a credit-paid call when the balance is spent', async () => {
      await tollgate.ledger.adjust(T, -10_000_000, ADMIN, 'spent');
      const res = await authorize({ organizerId: USERS.ppm, callType: 'conf_out', number: NUMBERS.deLandline });
      expect(await res.json()).toMatchObject({ allowed: false, reason: 'insufficient_credits' });
    });

    it('answers 400 for a bad request and 401 without a key', async () => {
      const res = await authorize({ organizerId: USERS.ppm, callType: 'conf_sideways', number: NUMBERS.deLandline });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('callType') });
      const unauth = await post(`/api/tenants/${T}/calls/authorize`, '{}');
      expect(unauth.status).toBe(401);
    });
  });
});
