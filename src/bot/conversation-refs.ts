import { TurnContext, type Activity } from 'botbuilder';
import type { Store } from '../store/database';
import { upsertConversationRef } from '../store/bot-store';
import { callerOf } from './caller';

/**
 * Remembers where the bot can speak first: every conversation it is installed in or messaged from (personal,
 * group chat, team channel), so proactive cards reach the organizer after a restart or on another replica.
 */
export async function rememberConversation(store: Store, activity: Partial<Activity>, at: Date): Promise<void> {
  const caller = callerOf(activity);
  if (!caller.tenantId || !caller.conversationId) return;
  const reference = TurnContext.getConversationReference(activity);
  await upsertConversationRef(store.db, {
    tenant_id: caller.tenantId,
    conversation_id: caller.conversationId,
    conversation_type: caller.conversationType,
    user_id: caller.conversationType === 'personal' ? caller.userId ?? null : null,
    reference: JSON.stringify(reference),
    updated_at: at.toISOString(),
  });
}
