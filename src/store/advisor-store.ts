import type { Tx } from './database';
import type { UserRow } from './user-store';

/** A rated leg as the license advisor replays it: what rateLeg needs, who organized it, and the order it was settled. */
export interface AdvisorLegRow {
  id: string;
  organizer_id: string | null;
  organizer_upn: string | null;
  call_type: string;
  callee_number: string | null;
  toll_free: number;
  duration_seconds: number;
  start_at: string;
  charge_micros: number;
  settled_seq: number;
}

/** The subscription's monthly price per license, or null when no admin has set it. */
export async function findSubscriptionPrice(tx: Tx, tenantId: string): Promise<number | null> {
  const row = await tx.selectFrom('advisor_settings').select('subscription_price_micros').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row ? Number(row.subscription_price_micros) : null;
}

export async function upsertSubscriptionPrice(tx: Tx, tenantId: string, micros: number, at: string): Promise<void> {
  await tx
    .insertInto('advisor_settings')
    .values({ tenant_id: tenantId, subscription_price_micros: micros, updated_at: at })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ subscription_price_micros: micros, updated_at: at }))
    .execute();
}

/**
 * The tenant's rated meeting legs that started in [from, to), in the order they drew on the dial-out pool: the order
 * intake settled them (settled_seq), which within one batch is start time, across batches the order they arrived.
 */
export async function listLegsToReplay(tx: Tx, tenantId: string, from: string, to: string): Promise<AdvisorLegRow[]> {
  return tx
    .selectFrom('legs')
    .select(['id', 'organizer_id', 'organizer_upn', 'call_type', 'callee_number', 'toll_free', 'duration_seconds', 'start_at', 'charge_micros', 'settled_seq'])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .orderBy('settled_seq')
    .orderBy('id')
    .execute();
}

/** Every user of the tenant (the advisor weighs each one's license, with or without calls). */
export async function listTenantUsers(tx: Tx, tenantId: string): Promise<UserRow[]> {
  return tx.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('aad_object_id').execute();
}
