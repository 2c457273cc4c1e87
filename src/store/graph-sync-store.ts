import type { Tx } from './database';
import type { GraphSyncCursorsTable } from './schema';

export type GraphSyncCursor = GraphSyncCursorsTable;

/** Where a run stands: written after each page's legs are committed, only by the run holding the lease. */
export type GraphSyncProgress = Partial<Pick<GraphSyncCursor, 'range_from' | 'range_to' | 'window_from' | 'window_to' | 'next_link' | 'synced_to' | 'last_error'>>;

export async function findGraphSyncCursor(tx: Tx, tenantId: string): Promise<GraphSyncCursor | undefined> {
  return tx.selectFrom('graph_sync_cursors').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
}

/**
 * Takes the tenant's sync lease for `owner` when nobody holds it or the holder's lease ran out (it crashed or was
 * killed). One conditional UPDATE: atomic on both engines (PostgreSQL re-checks the condition on the row after a
 * concurrent writer commits; SQLite has one writer), so two replicas never both get it. Returns whether it was taken.
 */
export async function takeGraphSyncLease(tx: Tx, tenantId: string, owner: string, now: string, until: string): Promise<boolean> {
  await tx
    .insertInto('graph_sync_cursors')
    .values({
      tenant_id: tenantId,
      range_from: null,
      range_to: null,
      window_from: null,
      window_to: null,
      next_link: null,
      synced_to: null,
      last_error: null,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
  const r = await tx
    .updateTable('graph_sync_cursors')
    .set({ lease_owner: owner, lease_until: until, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records progress and extends the lease, only while `owner` still holds it. Returns false when the lease was lost
 * (it ran out and another run took the tenant): the caller must stop, its progress is not written.
 */
export async function saveGraphSyncProgress(
  tx: Tx,
  tenantId: string,
  owner: string,
  progress: GraphSyncProgress,
  now: string,
  leaseUntil: string,
): Promise<boolean> {
  const r = await tx
    .updateTable('graph_sync_cursors')
    .set({ ...progress, lease_until: leaseUntil, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function releaseGraphSyncLease(tx: Tx, tenantId: string, owner: string, now: string): Promise<void> {
  await tx
    .updateTable('graph_sync_cursors')
    .set({ lease_owner: null, lease_until: null, updated_at: now })
    .where('tenant_id', '=', tenantId)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Every tenant the background sync covers. */
export async function listTenantIdsToSync(tx: Tx): Promise<string[]> {
  const rows = await tx.selectFrom('tenants').select('tenant_id').orderBy('tenant_id').execute();
  return rows.map((r) => r.tenant_id);
}
