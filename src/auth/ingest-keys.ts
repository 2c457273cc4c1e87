import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/database';
import { findIngestKey, insertIngestKey } from '../store/ingest-key-store';
import { findTenant } from '../store/tenant-store';
import { audit } from '../store/audit-store';
import { failure, ok, type Outcome } from '../outcome';
import type { Clock } from '../time/clock';

/**
 * Per-tenant keys for the intake and authorization API: `tg_<keyId>_<secret>`. Only a SHA-256 of the secret is
 * stored (the secret is 32 random bytes, so a slow hash adds nothing), and it is compared in constant time.
 */
const KEY_PATTERN = /^tg_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export type KeyCheck = Outcome<{ tenantId: string; keyId: string }, 'missing_key' | 'invalid_key'>;

export class IngestKeys {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(tenantId: string, actor: string): Promise<Outcome<{ key: string; keyId: string }>> {
    const keyId = randomBytes(10).toString('hex').slice(0, 16);
    const secret = randomBytes(32).toString('base64url');
    return this.store.inTenantTransaction(tenantId, async (tx) => {
      if (!(await findTenant(tx, tenantId))) return failure('unknown_tenant');
      const at = this.clock.now().toISOString();
      await insertIngestKey(tx, { tenant_id: tenantId, key_id: keyId, secret_hash: hashSecret(secret).toString('hex'), created_at: at, revoked_at: null });
      await audit(tx, { tenantId, actor, action: 'ingest-key.create', detail: { keyId }, at });
      return ok({ key: `tg_${keyId}_${secret}`, keyId });
    });
  }

  /** Which tenant a presented key belongs to, if any. */
  async verify(authorization: string | undefined): Promise<KeyCheck> {
    if (!authorization) return failure('missing_key', 'Send the tenant ingest key as "Authorization: Bearer <key>".');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const parts = match ? KEY_PATTERN.exec(match[1]!) : null;
    if (!parts) return failure('invalid_key', 'The ingest key is not valid.');
    const row = await findIngestKey(this.store.db, parts[1]!);
    const presented = hashSecret(parts[2]!);
    // Compare even when the key id is unknown, so timing does not tell which ids exist.
    const stored = row ? Buffer.from(row.secret_hash, 'hex') : Buffer.alloc(presented.length);
    const same = timingSafeEqual(presented, stored.length === presented.length ? stored : Buffer.alloc(presented.length));
    if (!row || !same || row.revoked_at !== null) return failure('invalid_key', 'The ingest key is not valid.');
    return ok({ tenantId: row.tenant_id, keyId: row.key_id });
  }
}
