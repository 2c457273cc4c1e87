import { TurnContext, type Activity } from 'botbuilder';
import type { Store, Tx } from '../store/database';
import { findConversation, upsertConversationRef, type ConversationRefRow } from '../store/bot-store';
import { callerOf } from './caller';

/**
 * Remembers where the bot can speak first: every conversation it is installed in or messaged from (personal,
 * group chat, team channel), so proactive cards reach the organizer after a restart or on another replica.
 * Written when new, changed, or not written for a day: a write on every turn cost more than the rest of a `balance`
 * (on SQLite, a commit and its fsync), and the stored reference is the same turn after turn.
 */
export async function rememberConversation(store: Store, activity: Partial<Activity>, at: Date, tx: Tx = store.db): Promise<void> {
  const row = conversationRow(activity, at);
  if (!row) return;
  const stored = await findConversation(tx, row.tenant_id, row.conversation_id);
  if (stored && sameConversation(stored, row, at)) return;
  await upsertConversationRef(tx, row);
}

/**
 * rememberConversation for a transaction that writes anyway (a meeting's end, once per meeting): the reference is
 * written without being read first, one statement instead of two (each a round trip on PostgreSQL). Rewriting an
 * unchanged row there adds no commit; it only refreshes updated_at.
 */
export async function writeConversation(tx: Tx, activity: Partial<Activity>, at: Date): Promise<void> {
  const row = conversationRow(activity, at);
  if (row) await upsertConversationRef(tx, row);
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
