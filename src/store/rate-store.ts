import type { Tx } from './database';
import type { RatesTable } from './schema';

export type RateRow = RatesTable;
/** The card every tenant without its own uses. */
export const DEFAULT_RATE_CARD = '*';

/** Replaces a card whole: a half-loaded card would price some legs by the old one and some by the new. */
export async function replaceRates(tx: Tx, tenantId: string, rows: RateRow[]): Promise<void> {
  await tx.deleteFrom('rates').where('tenant_id', '=', tenantId).execute();
  for (let i = 0; i < rows.length; i += 500) {
    await tx.insertInto('rates').values(rows.slice(i, i + 500)).execute();
  }
}

/** The tenant's own card if it has one, else the default card. */
export async function loadRateRows(tx: Tx, tenantId: string): Promise<RateRow[]> {
  const own = await tx.selectFrom('rates').selectAll().where('tenant_id', '=', tenantId).execute();
  if (own.length > 0) return own;
  return tx.selectFrom('rates').selectAll().where('tenant_id', '=', DEFAULT_RATE_CARD).execute();
}
