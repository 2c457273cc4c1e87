import type { Store, Tx } from './database';
import { runShaped } from './shaped-query';
import type { FundingLotsTable, LedgerEntriesTable } from './schema';

export type LedgerEntryRow = LedgerEntriesTable;
export type FundingLotRow = FundingLotsTable;

export async function insertEntries(store: Store, tx: Tx, rows: LedgerEntryRow[]): Promise<void> {
  await store.insertMany(tx, 'ledger_entries', rows);
}

export async function insertLots(tx: Tx, rows: FundingLotRow[]): Promise<void> {
  if (rows.length > 0) await tx.insertInto('funding_lots').values(rows).execute();
}

export async function dueLots(tx: Tx, tenantId: string, at: string): Promise<FundingLotRow[]> {
  return runShaped<FundingLotRow>(tx, 'dueLots', [tenantId, at], () =>
    tx.selectFrom('funding_lots').selectAll().where('tenant_id', '=', tenantId).where('expired_at', 'is', null).where('expires_at', '<=', at).orderBy('entry_seq'),
  );
}

export async function markLotExpired(tx: Tx, tenantId: string, entrySeq: number, at: string): Promise<void> {
  await tx
    .updateTable('funding_lots')
    .set({ expired_at: at })
    .where('tenant_id', '=', tenantId)
    .where('entry_seq', '=', entrySeq)
    .execute();
}

/**
 * Compiled once (runShaped), as dueLots and lastEntryOfKinds: every `balance` shown reads the open lots and the last
 * funding.
 */
export async function openLots(tx: Tx, tenantId: string): Promise<FundingLotRow[]> {
  return runShaped<FundingLotRow>(tx, 'openLots', [tenantId], () =>
    tx.selectFrom('funding_lots').selectAll().where('tenant_id', '=', tenantId).where('expired_at', 'is', null).orderBy('entry_seq'),
  );
}

export async function sumEntries(tx: Tx, tenantId: string): Promise<{ sum: number; count: number; lastSeq: number }> {
  const row = await tx
    .selectFrom('ledger_entries')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('amount_micros'), eb.lit(0)).as('sum'),
      eb.fn.countAll<number>().as('count'),
      eb.fn.coalesce(eb.fn.max<number>('seq'), eb.lit(0)).as('last_seq'),
    ])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { sum: Number(row.sum), count: Number(row.count), lastSeq: Number(row.last_seq) };
}

export async function listEntries(
  tx: Tx,
  tenantId: string,
  range: { from?: string; to?: string } = {},
): Promise<LedgerEntryRow[]> {
  let q = tx.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', tenantId);
  if (range.from) q = q.where('created_at', '>=', range.from);
  if (range.to) q = q.where('created_at', '<', range.to);
  return q.orderBy('seq').execute();
}

export async function lastEntryOfKinds(
  tx: Tx,
  tenantId: string,
  kinds: LedgerEntryRow['kind'][],
): Promise<LedgerEntryRow | undefined> {
  const rows = await runShaped<LedgerEntryRow>(tx, `lastEntryOfKinds:${kinds.length}`, [tenantId, ...kinds, 1], () =>
    tx.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', tenantId).where('kind', 'in', kinds).orderBy('seq', 'desc').limit(1),
  );
  return rows[0];
}

/** What was refunded on a leg: found by its settled_seq (index ledger_entries_leg_seq), and its id. */
export async function refundedForLeg(tx: Tx, tenantId: string, leg: { id: string; seq: number }): Promise<number> {
  const row = await tx
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_micros'), eb.lit(0)).as('sum'))
    .where('tenant_id', '=', tenantId)
    .where('leg_seq', '=', leg.seq)
    .where('leg_id', '=', leg.id)
    .where('kind', '=', 'refund')
    .executeTakeFirstOrThrow();
  return Number(row.sum);
}
