import { sql } from 'kysely';
import type { Store } from '../../../src/store/database';

/**
 * The tables that hold a tenant's data and its history. Left out: conversation_refs (the bot writes them on every
 * turn, whatever the turn asks) and report_keys (one deployment-wide signing secret, made on first use).
 */
export const DATA_TABLES = [
  'tenants', 'users', 'rates', 'legs', 'ledger_entries', 'funding_lots', 'pool_usage', 'meetings', 'ingest_keys', 'audit_log',
  'outbox', 'meeting_cards', 'meeting_card_occurrences', 'meeting_starts', 'graph_sync_cursors',
] as const;

export type DataTable = (typeof DATA_TABLES)[number];

/** PostgreSQL answers BIGINT as text, SQLite as a number: the same row must compare equal on both. */
function normalizeRow(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map((k) => [k, typeof row[k] === 'string' && /^-?\d+$/.test(row[k] as string) ? Number(row[k]) : row[k]]));
}

/** Every row of every data table (of one tenant, or of all), as sorted, engine-neutral text: equal means unchanged. */
export async function storeSnapshot(store: Store, tenantId?: string, tables: readonly DataTable[] = DATA_TABLES): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of tables) {
    const query = sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}${tenantId === undefined ? sql`` : sql` WHERE tenant_id = ${tenantId}`}`;
    const rows = (await query.execute(store.db)).rows;
    out[table] = rows.map(normalizeRow).sort();
  }
  return out;
}

/** The tables whose rows differ between two snapshots: a failure says where something changed. */
export function changedTables(before: Record<string, string[]>, after: Record<string, string[]>): string[] {
  return Object.keys(before).filter((t) => JSON.stringify(before[t]) !== JSON.stringify(after[t]));
}
