import { sql } from 'kysely';
import type { Store, Tx } from './database';
import { runShaped } from './shaped-query';
import type { UsersTable } from './schema';

export type UserRow = UsersTable;

export async function upsertUsers(tx: Tx, rows: UserRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insertInto('users')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'aad_object_id']).doUpdateSet((eb) => ({
          upn: eb.ref('excluded.upn'),
          upn_lower: eb.ref('excluded.upn_lower'),
          display_name: eb.ref('excluded.display_name'),
          usage_location: eb.ref('excluded.usage_location'),
          licenses: eb.ref('excluded.licenses'),
          dial_out_policy: eb.ref('excluded.dial_out_policy'),
          toll_free_dial_in: eb.ref('excluded.toll_free_dial_in'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** By AAD object id, or by UPN (case-insensitive). Compiled once (runShaped): most bot turns read the caller. */
export async function findUser(tx: Tx, tenantId: string, idOrUpn: string): Promise<UserRow | undefined> {
  const upnLower = idOrUpn.toLowerCase();
  const rows = await runShaped<UserRow>(tx, 'findUser', [tenantId, idOrUpn, upnLower], () =>
    tx
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('aad_object_id', '=', idOrUpn), eb('upn_lower', '=', upnLower)])),
  );
  return rows[0];
}

export async function findUsers(tx: Tx, tenantId: string, idsOrUpns: string[]): Promise<UserRow[]> {
  if (idsOrUpns.length === 0) return [];
  const lower = idsOrUpns.map((s) => s.toLowerCase());
  return tx
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb.or([eb('aad_object_id', 'in', idsOrUpns), eb('upn_lower', 'in', lower)]))
    .execute();
}

/** Keys per list on SQLite: one cached statement with this many placeholders in each list, padded with NULL. */
const SQLITE_KEYS_PER_LOOKUP = 500;

/**
 * findUsers for intake's chunks: the same rows, on SQLite through one cached statement (`IN (…, NULL)` never
 * matches the padding) instead of a statement compiled and prepared for every chunk; on PostgreSQL with the keys as
 * two array parameters instead of a thousand bound ones.
 */
export async function findOrganizers(store: Store, tx: Tx, tenantId: string, idsOrUpns: string[]): Promise<UserRow[]> {
  if (idsOrUpns.length === 0) return [];
  if (!store.sqlite) {
    const lower = idsOrUpns.map((s) => s.toLowerCase());
    return tx
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('aad_object_id', '=', sql<string>`ANY(${idsOrUpns}::text[])`), eb('upn_lower', '=', sql<string>`ANY(${lower}::text[])`)]))
      .execute();
  }
  const n = SQLITE_KEYS_PER_LOOKUP;
  const statement = store.sqlite.statement('findOrganizers', () => {
    const list = new Array(n).fill('?').join(', ');
    return `SELECT * FROM "users" WHERE "tenant_id" = ? AND ("aad_object_id" IN (${list}) OR "upn_lower" IN (${list}))`;
  });
  const rows: UserRow[] = [];
  const seen = new Set<string>();
  const values = new Array<string | null>(1 + 2 * n);
  values[0] = tenantId;
  for (let i = 0; i < idsOrUpns.length; i += n) {
    for (let j = 0; j < n; j++) {
      const key = i + j < idsOrUpns.length ? idsOrUpns[i + j]! : null;
      values[1 + j] = key;
      values[1 + n + j] = key === null ? null : key.toLowerCase();
    }
    // A user found by a key of one slice and again by a key of another is the same row: keep it once.
    for (const row of statement.all(values) as UserRow[]) {
      if (seen.has(row.aad_object_id)) continue;
      seen.add(row.aad_object_id);
      rows.push(row);
    }
  }
  return rows;
}

export async function updateUser(
  tx: Tx,
  tenantId: string,
  aadObjectId: string,
  patch: Partial<Pick<UserRow, 'dial_out_policy' | 'toll_free_dial_in' | 'is_admin' | 'licenses' | 'updated_at'>>,
): Promise<void> {
  await tx
    .updateTable('users')
    .set(patch)
    .where('tenant_id', '=', tenantId)
    .where('aad_object_id', '=', aadObjectId)
    .execute();
}

export async function countAdmins(tx: Tx, tenantId: string): Promise<number> {
  const row = await tx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('is_admin', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
