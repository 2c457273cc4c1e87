import crypto from 'node:crypto';
import { sql } from 'kysely';
import { cli } from '../support/cli-runner';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, T, setUpTenant } from '../support/fixtures';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';

/**
 * Ingest keys are shown once and never stored: no table holds the key or its secret, only a digest of the secret;
 * a presented key is checked with crypto.timingSafeEqual against that digest, and an unknown key id costs the same
 * comparison, so neither the secret nor which key ids exist can be timed out of the API.
 */
const TABLES = ['tenants', 'users', 'rates', 'legs', 'ledger_entries', 'funding_lots', 'pool_usage', 'meetings', 'ingest_keys', 'audit_log', 'conversation_refs', 'outbox', 'meeting_cards', 'graph_sync_cursors', 'report_keys'];

/** Every value in every table, as text. */
async function everythingStored(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(store.db)).rows;
    parts.push(JSON.stringify(rows));
  }
  return parts.join('\n');
}

describeEachEngine('ingest keys at rest and in use', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let databaseUrl: string;

  beforeEach(async () => {
    let database;
    ({ store, cleanup, database } = await freshStore(engine));
    databaseUrl = database.url;
    ({ tollgate } = await setUpTenant(store, { fund: '10' }));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await cleanup();
  });

  it('stores neither the key nor its secret anywhere, made by the API or the CLI', async () => {
    const made = await tollgate.ingestKeys.create(T, ADMIN);
    if (!made.ok) throw new Error(made.message);
    const printed = (await cli(['ingest-key', 'create', '--tenant', T], { DATABASE_URL: databaseUrl })).out.trim();
    const all = await everythingStored(store);
    const rows = await store.db.selectFrom('ingest_keys').selectAll().where('tenant_id', '=', T).execute();
    expect(rows).toHaveLength(2);
    for (const key of [made.value.key, printed]) {
      const [, keyId, secret] = /^tg_([a-z0-9]{16})_(.+)$/.exec(key)!;
      expect(all).not.toContain(key);
      expect(all).not.toContain(secret);
      expect(all).not.toContain(Buffer.from(secret!, 'base64url').toString('hex'));
      const row = rows.find((r) => r.key_id === keyId)!;
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.secret_hash).not.toBe(secret);
      expect((await tollgate.ingestKeys.verify(`Bearer ${key}`)).ok).toBe(true);
    }
  });

  it('compares a presented secret with timingSafeEqual, and spends the same comparison on a key id it does not know', async () => {
    const made = await tollgate.ingestKeys.create(T, ADMIN);
    if (!made.ok) throw new Error(made.message);
    const key = made.value.key;
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    const wrongSecret = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const unknownId = key.replace(/^tg_[a-z0-9]{16}_/, 'tg_0000000000000000_');

    expect(await tollgate.ingestKeys.verify(`Bearer ${key}`)).toMatchObject({ ok: true, value: { tenantId: T } });
    expect(await tollgate.ingestKeys.verify(`Bearer ${wrongSecret}`)).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(await tollgate.ingestKeys.verify(`Bearer ${unknownId}`)).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(compare).toHaveBeenCalledTimes(3);
    for (const [a, b] of compare.mock.calls) expect([a.byteLength, b.byteLength]).toEqual([32, 32]);
    expect(compare.mock.results.map((r) => r.value)).toEqual([true, false, false]);
  });

  it('refuses a revoked key like a wrong one', async () => {
    const made = await tollgate.ingestKeys.create(T, ADMIN);
    if (!made.ok) throw new Error(made.message);
    await store.db.updateTable('ingest_keys').set({ revoked_at: '2026-11-15T12:00:00.000Z' }).where('key_id', '=', made.value.keyId).execute();
    expect(await tollgate.ingestKeys.verify(`Bearer ${made.value.key}`)).toMatchObject({ ok: false, reason: 'invalid_key' });
  });
});
