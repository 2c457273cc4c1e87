import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { Store, Tx } from './database';
import { columnList, runShaped, runShapedList } from './shaped-query';
import type { OutboxTable } from './schema';

export type OutboxRow = OutboxTable;

/** Enqueues in the caller's transaction; the same dedupe key again is a no-op. Returns whether a row was added. */
export async function enqueue(tx: Tx, message: OutboxMessage): Promise<boolean> {
  return (await insertRow(tx, outboxRowOf(message))) !== undefined;
}

export interface OutboxMessage {
  tenantId: string;
  kind: string;
  dedupeKey: string;
  payload: unknown;
  at: string;
}

/**
 * Enqueues in the caller's transaction already claimed until `leaseUntil` (as claimDue would: 'sending', first
 * attempt), for a worker of this process to deliver as soon as the transaction commits, without a claim of its
 * own. Should this process die first, the row is claimed again like any row whose claimer died, once its lease has
 * run out. Returns the row, or undefined when the dedupe key was already queued.
 */
export async function enqueueClaimed(tx: Tx, message: OutboxMessage, leaseUntil: string): Promise<OutboxRow | undefined> {
  return insertRow(tx, outboxRowOf(message, leaseUntil));
}

/**
 * The row enqueue (no `leaseUntil`) or enqueueClaimed inserts for `message`; also for a statement that inserts it
 * along with other rows (insertMeetingCardQueued).
 */
export function outboxRowOf(message: OutboxMessage, leaseUntil?: string): OutboxRow {
  return {
    tenant_id: message.tenantId,
    id: randomUUID(),
    kind: message.kind,
    dedupe_key: message.dedupeKey,
    payload: JSON.stringify(message.payload),
    status: leaseUntil === undefined ? 'pending' : 'sending',
    attempts: leaseUntil === undefined ? 0 : 1,
    next_attempt_at: message.at,
    lease_until: leaseUntil ?? null,
    last_error: null,
    created_at: message.at,
    done_at: null,
  };
}

/** Every outbox column with its PostgreSQL type (a column left out does not compile), in the order they are bound. */
export const OUTBOX_TYPES = {
  tenant_id: 'text',
  id: 'text',
  kind: 'text',
  dedupe_key: 'text',
  payload: 'text',
  status: 'text',
  attempts: 'integer',
  next_attempt_at: 'text',
  lease_until: 'text',
  last_error: 'text',
  created_at: 'text',
  done_at: 'text',
} as const satisfies Record<keyof OutboxRow, 'text' | 'integer'>;
export const OUTBOX_COLUMNS = Object.keys(OUTBOX_TYPES) as (keyof typeof OUTBOX_TYPES)[];

/** Inserts `row` unless its dedupe key is queued already: returns it when it did (its text compiled once: runShaped). */
export async function insertRow(tx: Tx, row: OutboxRow): Promise<OutboxRow | undefined> {
  const values = OUTBOX_COLUMNS.map((c) => row[c]);
  const inserted = await runShaped(tx, 'insertOutboxRow', values, () => sql`insert into outbox (${columnList(OUTBOX_COLUMNS)}) values (${sql.join(values)})
    on conflict (tenant_id, dedupe_key) do nothing returning 1`);
  return inserted.length > 0 ? row : undefined;
}

/**
 * Inserts every row whose dedupe key is not queued already, in one statement: returns the dedupe keys of the rows it
 * added. For callers that queue several messages at once (admin notices: a chunk of intake opening several incidents),
 * one round trip instead of one per row.
 */
export async function insertRows(tx: Tx, rows: readonly OutboxRow[]): Promise<Set<string>> {
  const added = new Set<string>();
  // A statement binds every column of every row: 500 rows stay far below either engine's limit on parameters.
  for (let i = 0; i < rows.length; i += 500) {
    const inserted = await tx
      .insertInto('outbox')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['tenant_id', 'dedupe_key']).doNothing())
      .returning('dedupe_key')
      .execute();
    for (const r of inserted) added.add(r.dedupe_key);
  }
  return added;
}

/**
 * Claims due rows for one worker: pending ones whose time has come, and ones whose claimer's lease ran out (it
 * crashed mid-delivery). PostgreSQL skips rows another replica holds (FOR UPDATE SKIP LOCKED); SQLite's write lock
 * serializes claimers. A claimed row is 'sending' until `leaseUntil`.
 */
export async function claimDue(store: Store, now: string, leaseUntil: string, limit: number): Promise<OutboxRow[]> {
  return store.inTransaction(async (tx) => {
    let q = tx
      .selectFrom('outbox')
      .select(['tenant_id', 'id'])
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .limit(limit);
    if (store.engine === 'postgres') q = q.forUpdate().skipLocked();
    const due = await q.execute();
    const claimed: OutboxRow[] = [];
    for (const { tenant_id, id } of due) {
      const row = await tx
        .updateTable('outbox')
        .set((eb) => ({ status: 'sending' as const, lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where('tenant_id', '=', tenant_id)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (row) claimed.push({ ...row, attempts: Number(row.attempts) });
    }
    return claimed;
  });
}

/**
 * A claim is (row, attempts): claimDue bumps attempts, so a row another worker claimed since (after this one's lease
 * ran out) has a higher count. With `attempts` given, markDone, markRetry and renewClaim act only while the caller's
 * claim still holds and say whether it did; without it, they act on the row whatever its state.
 */
type ClaimRef = Pick<OutboxRow, 'tenant_id' | 'id'> & { attempts?: number };

export async function markDone(tx: Tx, row: ClaimRef, at: string): Promise<boolean> {
  let q = tx
    .updateTable('outbox')
    .set({ status: 'done', done_at: at, lease_until: null, last_error: null })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id);
  if (row.attempts !== undefined) q = q.where('status', '=', 'sending').where('attempts', '=', row.attempts);
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
}

/**
 * markDone for several claims in one statement (what one worker delivered meanwhile). Returns the ids of the rows
 * whose claim still held, which are the rows it marked.
 */
export async function markDoneMany(tx: Tx, rows: (Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>)[], at: string): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const { params, build } = markDoneManyQuery(rows, at);
  const marked = await runShapedList<{ id: string }>(tx, 'markDoneMany', rows.length, params, build);
  return new Set(marked.map((r) => r.id));
}

/**
 * markDoneMany's UPDATE … FROM (VALUES …) RETURNING id (rows not empty): its parameters, and the statement they bind
 * in that order, for runShapedList, or inside a statement that runs it along with another write.
 */
export function markDoneManyQuery(rows: (Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>)[], at: string): { params: unknown[]; build: () => RawBuilder<{ id: string }> } {
  const params: unknown[] = [at];
  for (const r of rows) params.push(r.tenant_id, r.id, r.attempts);
  return {
    params,
    // The attempts cast: PostgreSQL takes an untyped VALUES column for text.
    build: () => sql<{ id: string }>`update outbox set status = 'done', done_at = ${at}, lease_until = null, last_error = null
      from (values ${sql.join(rows.map((r) => sql`(${r.tenant_id}, ${r.id}, cast(${r.attempts} as integer))`))}) as v
      where outbox.status = 'sending' and outbox.tenant_id = v.column1 and outbox.id = v.column2 and outbox.attempts = v.column3
      returning outbox.id`,
  };
}

export async function markRetry(tx: Tx, row: ClaimRef, nextAttemptAt: string, error: string, dead: boolean): Promise<boolean> {
  let q = tx
    .updateTable('outbox')
    .set({ status: dead ? 'dead' : 'pending', next_attempt_at: nextAttemptAt, lease_until: null, last_error: error.slice(0, 1000) })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id);
  if (row.attempts !== undefined) q = q.where('status', '=', 'sending').where('attempts', '=', row.attempts);
  return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
}

/** Extends the caller's claim to `leaseUntil`; false when it no longer holds (another worker has the row). */
export async function renewClaim(tx: Tx, row: Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>, leaseUntil: string): Promise<boolean> {
  const r = await tx
    .updateTable('outbox')
    .set({ lease_until: leaseUntil })
    .where('tenant_id', '=', row.tenant_id)
    .where('id', '=', row.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', row.attempts)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The row enqueued under `dedupeKey`, if any. */
export async function findOutboxRow(tx: Tx, tenantId: string, dedupeKey: string): Promise<OutboxRow | undefined> {
  return tx.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
}

export async function listOutbox(tx: Tx, tenantId: string): Promise<OutboxRow[]> {
  return tx.selectFrom('outbox').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
}
