import type { Tx } from './database';
import { runShaped } from './shaped-query';
import type { TenantsTable } from './schema';

export type TenantRow = TenantsTable;

export async function insertTenant(tx: Tx, row: TenantRow): Promise<boolean> {
  const result = await tx
    .insertInto('tenants')
    .values(row)
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Compiled once (runShaped): most bot turns read the tenant, some twice. */
export async function findTenant(tx: Tx, tenantId: string): Promise<TenantRow | undefined> {
  return (await runShaped<TenantRow>(tx, 'findTenant', [tenantId], () => tx.selectFrom('tenants').selectAll().where('tenant_id', '=', tenantId)))[0];
}

export async function countTenants(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('tenants').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export type TenantSettings = Partial<
  Pick<
    TenantRow,
    | 'name'
    | 'billing_mode'
    | 'pool_licenses'
    | 'global_dial_out_policy'
    | 'auto_recharge_trigger_micros'
    | 'auto_recharge_amount_micros'
    | 'low_balance_alert_micros'
  >
>;

export async function updateTenantSettings(tx: Tx, tenantId: string, settings: TenantSettings): Promise<void> {
  await tx.updateTable('tenants').set(settings).where('tenant_id', '=', tenantId).execute();
}

/** Written only by the ledger, inside the tenant's transaction, together with the entries it derives from. */
export async function updateTenantCounters(
  tx: Tx,
  tenantId: string,
  counters: Pick<TenantRow, 'balance_micros' | 'last_entry_seq' | 'funded_total_micros' | 'last_leg_seq'>,
): Promise<void> {
  await tx.updateTable('tenants').set(counters).where('tenant_id', '=', tenantId).execute();
}
