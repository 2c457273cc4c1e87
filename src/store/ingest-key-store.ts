import type { Tx } from './database';
import type { IngestKeysTable } from './schema';

export type IngestKeyRow = IngestKeysTable;

export async function insertIngestKey(tx: Tx, row: IngestKeyRow): Promise<void> {
  await tx.insertInto('ingest_keys').values(row).execute();
}

/** Keys are presented without a tenant: the key id finds the row, whichever tenant owns it. */
export async function findIngestKey(tx: Tx, keyId: string): Promise<IngestKeyRow | undefined> {
  return tx.selectFrom('ingest_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}
