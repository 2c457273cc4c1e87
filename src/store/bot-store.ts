import type { Tx } from './database';
import type { BotStateTable, ConversationRefsTable, MeetingCardsTable } from './schema';

export type BotStateRow = BotStateTable;
export type ConversationRefRow = ConversationRefsTable;
export type MeetingCardRow = MeetingCardsTable;

export async function readBotState(tx: Tx, keys: string[]): Promise<BotStateRow[]> {
  if (keys.length === 0) return [];
  return tx.selectFrom('bot_state').selectAll().where('key', 'in', keys).execute();
}

/** Inserts, or replaces when the stored etag is `expectedEtag` (null: replace whatever is there). Returns success. */
export async function writeBotState(tx: Tx, row: BotStateRow, expectedEtag: string | null): Promise<boolean> {
  if (expectedEtag === null) {
    await tx
      .insertInto('bot_state')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ etag: row.etag, value: row.value, updated_at: row.updated_at }))
      .execute();
    return true;
  }
  const updated = await tx
    .updateTable('bot_state')
    .set({ etag: row.etag, value: row.value, updated_at: row.updated_at })
    .where('key', '=', row.key)
    .where('etag', '=', expectedEtag)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function deleteBotState(tx: Tx, keys: string[]): Promise<void> {
  if (keys.length > 0) await tx.deleteFrom('bot_state').where('key', 'in', keys).execute();
}

export async function upsertConversationRef(tx: Tx, row: ConversationRefRow): Promise<void> {
  await tx
    .insertInto('conversation_refs')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'conversation_id']).doUpdateSet({
        conversation_type: row.conversation_type,
        user_id: row.user_id,
        reference: row.reference,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** The bot's personal chat with a user, if the bot has one. */
export async function findPersonalConversation(tx: Tx, tenantId: string, userId: string): Promise<ConversationRefRow | undefined> {
  return tx
    .selectFrom('conversation_refs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('conversation_type', '=', 'personal')
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
}

export async function findConversation(tx: Tx, tenantId: string, conversationId: string): Promise<ConversationRefRow | undefined> {
  return tx
    .selectFrom('conversation_refs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
}

/** First writer wins: the meeting-end event of one meeting may reach several replicas or come twice. */
export async function insertMeetingCard(tx: Tx, row: MeetingCardRow): Promise<boolean> {
  const r = await tx
    .insertInto('meeting_cards')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'conference_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function findMeetingCard(tx: Tx, tenantId: string, conferenceId: string): Promise<MeetingCardRow | undefined> {
  return tx
    .selectFrom('meeting_cards')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('conference_id', '=', conferenceId)
    .executeTakeFirst();
}

export async function findMeetingCards(tx: Tx, tenantId: string, conferenceIds: string[]): Promise<MeetingCardRow[]> {
  if (conferenceIds.length === 0) return [];
  return tx
    .selectFrom('meeting_cards')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('conference_id', 'in', conferenceIds)
    .execute();
}

export async function setMeetingCardActivity(tx: Tx, tenantId: string, conferenceId: string, conversationId: string, activityId: string, at: string): Promise<void> {
  await tx
    .updateTable('meeting_cards')
    .set({ conversation_id: conversationId, activity_id: activityId, updated_at: at })
    .where('tenant_id', '=', tenantId)
    .where('conference_id', '=', conferenceId)
    .execute();
}
