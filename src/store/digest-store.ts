import type { Tx } from './database';

/** Tenants Tollgate already knew before `at` (ISO): the ones a digest of the month ending at `at` is about. */
export async function listTenantIdsCreatedBefore(db: Tx, at: string): Promise<string[]> {
  const rows = await db.selectFrom('tenants').select('tenant_id').where('created_at', '<', at).orderBy('tenant_id').execute();
  return rows.map((r) => r.tenant_id);
}

/** Which of these outbox dedupe keys the tenant already has (any status): exact look-ups on the unique key. */
export async function findOutboxDedupeKeys(db: Tx, tenantId: string, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.selectFrom('outbox').select('dedupe_key').where('tenant_id', '=', tenantId).where('dedupe_key', 'in', [...keys]).execute();
  return new Set(rows.map((r) => r.dedupe_key));
}
