import { TurnContext, type Activity } from 'botbuilder';
import { LRUCache } from 'lru-cache';
import type { Store, Tx } from '../store/database';
import { findConversation, upsertConversationRef, type ConversationRefRow } from '../store/bot-store';
import { callerOf } from './caller';

/**
 * Remembers where the bot can speak first: every conversation it is installed in or messaged from (personal,
 * group chat, team channel), so proactive cards reach the organizer after a restart or on another replica.
 * Written when new, changed, or not written for a day: a write on every turn cost more than the rest of a `balance`
 * (on SQLite, a commit and its fsync), and the stored reference is the same turn after turn. Not even read when this
 * process read or wrote the same reference lately (KnownConversation below).
 */
export async function rememberConversation(store: Store, activity: Partial<Activity>, at: Date, tx: Tx = store.db): Promise<void> {
  const row = conversationRow(activity, at);
  if (!row) return;
  // What this process wrote or read is only known to be committed outside a transaction.
  const storeId = tx === store.db ? storeIdOf(store) : undefined;
  const key = knownKey(row);
  const reference = withoutActivityId(row.reference);
  const seen = storeId === undefined ? undefined : known.get(key);
  if (seen && seen.storeId === storeId && seen.type === row.conversation_type && seen.userId === row.user_id && seen.reference === reference) {
    const sinceCheck = at.getTime() - seen.checkedAt;
    if (at.getTime() - seen.storedAt < CONVERSATION_REF_REFRESH_MS && sinceCheck >= 0 && sinceCheck < CONVERSATION_REF_RECHECK_MS) return;
  }
  const keep = (storedAt: number) => {
    if (storeId !== undefined) known.set(key, { storeId, type: row.conversation_type, userId: row.user_id, reference, storedAt, checkedAt: at.getTime() });
  };
  const stored = await findConversation(tx, row.tenant_id, row.conversation_id);
  if (stored && sameConversation(stored, row, at)) {
    keep(Date.parse(stored.updated_at));
    return;
  }
  await upsertConversationRef(tx, row);
  keep(at.getTime());
}

/**
 * What this process last read from or wrote to conversation_refs, per store and conversation: a turn whose reference
 * is the one known (but for the activity id) writes nothing and need not read the row either. The read cost a
 * message turn a statement (~10 % of a `balance` turn's CPU, bench/profile-bot-turn.ts).
 *
 * Another replica may write the row meanwhile. When it writes the same reference, nothing is lost; when it writes
 * another (the conversation's service URL or locale as that replica heard it, or a group chat's last speaker), both
 * were current a moment ago, and the row is read again, and rewritten, within CONVERSATION_REF_RECHECK_MS of this
 * process's last look. updated_at is read as "last written" (findPersonalConversation: the personal chat written
 * last gets the cards): it still moves when the reference changes and at least daily, as before.
 */
interface KnownConversation {
  /** The store the row is in (storeIdOf). */
  storeId: number;
  type: string;
  userId: string | null;
  /** The reference's JSON without its activity id. */
  reference: string;
  /** The row's updated_at (ms), as read or written. */
  storedAt: number;
  /** When this process last read or wrote the row (ms, the caller's clock). */
  checkedAt: number;
}

export const CONVERSATION_REF_RECHECK_MS = 10 * 60 * 1000;

/** ~0.5 KB each: at most ~5 MB for the conversations that talked to this process last. */
const known = new LRUCache<string, KnownConversation>({ max: 10_000 });
const storeIds = new WeakMap<Store, number>();
let nextStoreId = 1;

/** Stores are told apart by a number: the cache keeps none of them alive (tests open hundreds). */
function storeIdOf(store: Store): number {
  let id = storeIds.get(store);
  if (id === undefined) storeIds.set(store, (id = nextStoreId++));
  return id;
}

function knownKey(row: Pick<ConversationRefRow, 'tenant_id' | 'conversation_id'>): string {
  return `${row.tenant_id}\u0000${row.conversation_id}`;
}

/** Forgets what this process knew of the conversation's row (in any store): the next turn reads it again. */
function forgetConversation(row: Pick<ConversationRefRow, 'tenant_id' | 'conversation_id'>): void {
  known.delete(knownKey(row));
}

/**
 * rememberConversation for a transaction that writes anyway (a meeting's end, once per meeting): the row to write,
 * without reading the stored one first, for a statement that writes it together with others (its card, its post and
 * the chat in one round trip on PostgreSQL; rewriting an unchanged row only refreshes updated_at). Whether or not that
 * transaction commits, what rememberConversation knew of the row may no longer be so: it is forgotten here.
 */
export function conversationToWrite(activity: Partial<Activity>, at: Date): ConversationRefRow | undefined {
  const row = conversationRow(activity, at);
  if (row) forgetConversation(row);
  return row;
}

function conversationRow(activity: Partial<Activity>, at: Date): ConversationRefRow | undefined {
  const caller = callerOf(activity);
  if (!caller.tenantId || !caller.conversationId) return undefined;
  return {
    tenant_id: caller.tenantId,
    conversation_id: caller.conversationId,
    conversation_type: caller.conversationType,
    user_id: caller.conversationType === 'personal' ? caller.userId ?? null : null,
    reference: JSON.stringify(TurnContext.getConversationReference(activity)),
    updated_at: at.toISOString(),
  };
}

/**
 * Proactive cards go to a user's personal chat written last (findPersonalConversation). A user rarely has more than
 * one; when they do, the newest is written when first heard from, and one they go back to becomes the latest again
 * within a day: that is what the daily rewrite is for.
 */
export const CONVERSATION_REF_REFRESH_MS = 24 * 3600 * 1000;

/**
 * The stored row says what `row` says and is less than a day old: same reference but for the activity id (that of
 * the message that happened to come last; a proactive message does not reply to it), same type and user.
 */
function sameConversation(stored: ConversationRefRow, row: ConversationRefRow, at: Date): boolean {
  if (stored.conversation_type !== row.conversation_type || stored.user_id !== row.user_id) return false;
  if (!(at.getTime() - Date.parse(stored.updated_at) < CONVERSATION_REF_REFRESH_MS)) return false;
  return stored.reference === row.reference || withoutActivityId(stored.reference) === withoutActivityId(row.reference);
}

/**
 * The reference's JSON without its activity id, which TurnContext.getConversationReference puts first. Should it
 * ever come elsewhere, references just compare unequal and are written: never a wrong skip.
 */
function withoutActivityId(json: string): string {
  const first = /^\{"activityId":"(?:[^"\\]|\\.)*",?/.exec(json);
  return first ? `{${json.slice(first[0].length)}` : json;
}
