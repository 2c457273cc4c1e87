import { randomUUID } from 'node:crypto';
import type { Tx } from './database';
import type { AuditLogTable } from './schema';

export type AuditRow = AuditLogTable;

/** Written in the same transaction as the change it records. */
export async function audit(
  tx: Tx,
  entry: { tenantId: string; actor: string; action: string; detail: unknown; at: string },
): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      tenant_id: entry.tenantId,
      id: randomUUID(),
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      detail: JSON.stringify(entry.detail),
    })
    .execute();
}

export async function listAudit(tx: Tx, tenantId: string, limit = 100): Promise<AuditRow[]> {
  return tx
    .selectFrom('audit_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
}
