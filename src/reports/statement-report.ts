import { stringify } from 'csv-stringify/sync';
import { microsToDecimalString } from '../billing/money';
import { listEntries } from '../store/ledger-store';
import type { Tx } from '../store/database';
import type { WriteChunk } from './legs-report';

export const STATEMENT_COLUMNS = ['Date', 'Kind', 'Amount', 'Balance After', 'Memo', 'Actor'] as const;

/**
 * The ledger entries of the range (created_at; both ends optional) as RFC 4180 CSV. A tenant's statement is its
 * ledger, a few entries a day at most, so it is read in one query; returns the entries written.
 */
export async function writeStatementCsv(db: Tx, tenantId: string, range: { from?: string; to?: string }, write: WriteChunk): Promise<number> {
  const entries = await listEntries(db, tenantId, range);
  const rows = entries.map((e) => [
    e.created_at,
    e.kind,
    microsToDecimalString(Number(e.amount_micros)),
    microsToDecimalString(Number(e.balance_after_micros)),
    e.memo ?? '',
    e.actor ?? '',
  ]);
  await write(stringify([[...STATEMENT_COLUMNS], ...rows], { record_delimiter: 'windows' }));
  return entries.length;
}
