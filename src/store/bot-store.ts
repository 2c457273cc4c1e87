import { sql } from 'kysely';
import type { Tx } from './database';
import type { ConversationRefsTable, MeetingCardsTable, UsersTable } from './schema';

export type ConversationRefRow = ConversationRefsTable;
export type MeetingCardRow = MeetingCardsTable;

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

/** A meeting card as its delivery needs it: the row, its tenant's currency, and the organizer's personal chat. */
export interface MeetingCardDelivery {
  card: MeetingCardRow;
  /** The tenant's currency; null when the tenant row is gone. */
  currency: string | null;
  /** The organizer's personal chat with the bot, the latest updated (as findPersonalConversation), if any. */
  chat: Pick<ConversationRefRow, 'conversation_id' | 'reference'> | undefined;
  /**
   * The user whose aad_object_id is the card's organizer_id, if any. Undefined does not mean there is no such user:
   * findUser also matches by UPN, which this read does not.
   */
  organizer: UsersTable | undefined;
}

/** Every column of users, read under an `organizer_user_` alias (the compile-time check below fails on a new column). */
const ORGANIZER_COLUMNS = [
  'tenant_id',
  'aad_object_id',
  'upn',
  'upn_lower',
  'display_name',
  'usage_location',
  'licenses',
  'dial_out_policy',
  'toll_free_dial_in',
  'is_admin',
  'updated_at',
] as const satisfies readonly (keyof UsersTable)[];
const ORGANIZER_PREFIX = 'organizer_user_';
const everyOrganizerColumn: Exclude<keyof UsersTable, (typeof ORGANIZER_COLUMNS)[number]> extends never ? true : never = true;
void everyOrganizerColumn;

/**
 * findMeetingCard, the tenant's currency, findPersonalConversation of the card's organizer and the organizer's
 * user row (by id, the primary key) in one statement: a card's delivery read them one by one, four statements (four
 * round trips on PostgreSQL) for each card.
 */
export async function findMeetingCardDelivery(tx: Tx, tenantId: string, conferenceId: string): Promise<MeetingCardDelivery | undefined> {
  const row = await tx
    .selectFrom('meeting_cards as mc')
    .leftJoin('tenants as t', 't.tenant_id', 'mc.tenant_id')
    .leftJoin('conversation_refs as cr', (join) =>
      join.onRef('cr.tenant_id', '=', 'mc.tenant_id').on((eb) =>
        eb(
          'cr.conversation_id',
          '=',
          eb
            .selectFrom('conversation_refs as p')
            .select('p.conversation_id')
            .whereRef('p.tenant_id', '=', 'mc.tenant_id')
            .whereRef('p.user_id', '=', 'mc.organizer_id')
            .where('p.conversation_type', '=', 'personal')
            .orderBy('p.updated_at', 'desc')
            .limit(1),
        ),
      ),
    )
    .leftJoin('users as u', (join) => join.onRef('u.tenant_id', '=', 'mc.tenant_id').onRef('u.aad_object_id', '=', 'mc.organizer_id'))
    .selectAll('mc')
    .select(['t.currency as tenant_currency', 'cr.conversation_id as chat_conversation_id', 'cr.reference as chat_reference'])
    .select(ORGANIZER_COLUMNS.map((c) => `u.${c} as ${ORGANIZER_PREFIX}${c}` as const))
    .where('mc.tenant_id', '=', tenantId)
    .where('mc.conference_id', '=', conferenceId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { tenant_currency, chat_conversation_id, chat_reference, ...rest } = row;
  const fields = rest as unknown as Record<string, unknown>;
  const card = {} as Record<string, unknown>;
  const organizer = {} as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith(ORGANIZER_PREFIX)) organizer[key.slice(ORGANIZER_PREFIX.length)] = value;
    else card[key] = value;
  }
  return {
    card: card as unknown as MeetingCardRow,
    currency: tenant_currency ?? null,
    chat: chat_conversation_id !== null && chat_reference !== null ? { conversation_id: chat_conversation_id, reference: chat_reference } : undefined,
    organizer: organizer.aad_object_id === null || organizer.aad_object_id === undefined ? undefined : (organizer as unknown as UsersTable),
  };
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

/** What setMeetingCardActivities writes for one card: the posted card's chat and activity id. */
export interface MeetingCardActivity {
  tenantId: string;
  conferenceId: string;
  conversationId: string;
  activityId: string;
  at: string;
}

/**
 * setMeetingCardActivity for several cards in one statement (the cards whose posts are marked done together): an
 * UPDATE … FROM a VALUES list, which PostgreSQL and SQLite (3.33+) both run, naming its columns column1, column2, ….
 */
export async function setMeetingCardActivities(tx: Tx, cards: readonly MeetingCardActivity[]): Promise<void> {
  if (cards.length === 0) return;
  if (cards.length === 1) {
    const c = cards[0]!;
    return setMeetingCardActivity(tx, c.tenantId, c.conferenceId, c.conversationId, c.activityId, c.at);
  }
  const values = sql.join(cards.map((c) => sql`(${c.tenantId}, ${c.conferenceId}, ${c.conversationId}, ${c.activityId}, ${c.at})`));
  await sql`update meeting_cards set conversation_id = v.column3, activity_id = v.column4, updated_at = v.column5
    from (values ${values}) as v
    where meeting_cards.tenant_id = v.column1 and meeting_cards.conference_id = v.column2`.execute(tx);
}

export async function setMeetingCardActivity(tx: Tx, tenantId: string, conferenceId: string, conversationId: string, activityId: string, at: string): Promise<void> {
  await tx
    .updateTable('meeting_cards')
    .set({ conversation_id: conversationId, activity_id: activityId, updated_at: at })
    .where('tenant_id', '=', tenantId)
    .where('conference_id', '=', conferenceId)
    .execute();
}
