import { PostgresAdapter, sql, type RawBuilder } from 'kysely';
import type { Tx } from './database';
import { OUTBOX_COLUMNS, OUTBOX_TYPES, insertRow, markDoneMany, markDoneManyQuery, type OutboxRow } from './outbox-store';
import { columnList, runPrepared, runShaped, runShapedList } from './shaped-query';
import { allColumns } from './all-columns';
import { LEG_COLUMNS } from './leg-store';
import type { ConversationRefsTable, LegsTable, MeetingCardsTable, MeetingsTable, UsersTable } from './schema';

export type ConversationRefRow = ConversationRefsTable;
export type MeetingCardRow = MeetingCardsTable;

/** Every activity's turn writes its conversation (conversation-refs.ts): its text is compiled once (runShaped). */
export async function upsertConversationRef(tx: Tx, row: ConversationRefRow): Promise<void> {
  const values = CONVERSATION_REF_COLUMNS.map((c) => row[c]);
  await runShaped(tx, 'upsertConversationRef', values, () => sql`insert into conversation_refs (${columnList(CONVERSATION_REF_COLUMNS)}) values (${sql.join(values)})
    on conflict (tenant_id, conversation_id) do update set conversation_type = excluded.conversation_type,
      user_id = excluded.user_id, reference = excluded.reference, updated_at = excluded.updated_at`);
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
  const values = cardValuesOf(row);
  const inserted = await runShaped(tx, 'insertMeetingCard', values, () => sql`insert into meeting_cards (${columnList(MEETING_CARD_COLUMNS)}) values (${sql.join(values)})
    on conflict (tenant_id, conference_id) do nothing returning 1`);
  return inserted.length > 0;
}

/**
 * Reads the row of `columns` from a joined row under `prefix` (`m_`, `l_`, …; '' for the columns as they are). The
 * prefixed names are made once: a card's delivery reads every leg's 34 columns, for 200 cards at once after a burst.
 */
function columnPicker<Row>(columns: readonly (keyof Row & string)[], prefix: string): (row: Readonly<Record<string, unknown>>) => Row {
  const keys = columns.map((c) => [c, `${prefix}${c}`] as const);
  return (row) => {
    const picked = {} as Record<string, unknown>;
    for (const [c, key] of keys) picked[c] = row[key];
    return picked as Row;
  };
}

const MEETING_CARD_COLUMNS = allColumns<MeetingCardRow>()([
  'tenant_id',
  'conference_id',
  'meeting_id',
  'organizer_id',
  'title',
  'ended_at',
  'legs_after',
  'legs_until',
  'conversation_id',
  'activity_id',
  'created_at',
  'updated_at',
]);

/** A card row's values in MEETING_CARD_COLUMNS' order (an occurrence's window absent: null, every leg). */
function cardValuesOf(row: MeetingCardRow): unknown[] {
  return MEETING_CARD_COLUMNS.map((c) => row[c] ?? null);
}

/** The conversation_refs columns in the order insertMeetingCardQueued binds them. */
const CONVERSATION_REF_COLUMNS = allColumns<ConversationRefRow>()(['tenant_id', 'conversation_id', 'conversation_type', 'user_id', 'reference', 'updated_at']);

/**
 * insertMeetingCard, then, only when it inserted the card, the outbox row `message` (whose dedupe key is also first
 * writer wins, as insertRow): a meeting's end queues its card's post once, whichever replica got the event first.
 * With `conversation`, upsertConversationRef of it too. On PostgreSQL one statement, one round trip instead of two
 * or three: a data-modifying CTE that inserts the outbox row from the RETURNING of the card's insert (none when the
 * card was there already). On SQLite the statements one after the other.
 *
 * `readDelivery` (PostgreSQL only; ignored on SQLite, where a read costs no round trip): the same statement also
 * reads what findMeetingCardDelivery would read of the new card (as of the statement's start), for the card's
 * delivery right after the commit without a read of its own.
 */
export async function insertMeetingCardQueued(
  tx: Tx,
  card: MeetingCardRow,
  message: OutboxRow,
  conversation?: ConversationRefRow,
  options: { readDelivery?: boolean } = {},
): Promise<{ created: boolean; queued: boolean; delivery?: MeetingCardDelivery }> {
  if (card.tenant_id !== message.tenant_id) throw new Error('insertMeetingCardQueued: the card and its message belong to different tenants');
  if (!(tx.getExecutor().adapter instanceof PostgresAdapter)) {
    if (conversation) await upsertConversationRef(tx, conversation);
    if (!(await insertMeetingCard(tx, card))) return { created: false, queued: false };
    return { created: true, queued: (await insertRow(tx, message)) !== undefined };
  }
  const refValues = conversation ? CONVERSATION_REF_COLUMNS.map((c) => conversation[c]) : [];
  const cardValues = cardValuesOf(card);
  const messageValues = OUTBOX_COLUMNS.map((c) => message[c]);
  const readDelivery = options.readDelivery === true;
  const keyValues = readDelivery ? [card.tenant_id, card.conference_id, card.organizer_id, card.legs_after ?? null, card.legs_until ?? null] : [];
  const shape = `insertMeetingCardQueued(${conversation ? 'conversation' : ''}${readDelivery ? ',delivery' : ''})`;
  // A prepared statement on PostgreSQL (runPrepared): parsing and planning this one was most of the server's work per card.
  const rows = await runPrepared<Record<string, unknown>>(tx, shape, [...refValues, ...cardValues, ...messageValues, ...keyValues], () => {
    const refColumns = columnList(CONVERSATION_REF_COLUMNS);
    const ref = conversation
      ? sql`ref as (
          insert into conversation_refs (${refColumns}) values (${sql.join(refValues)})
          on conflict (tenant_id, conversation_id) do update set conversation_type = excluded.conversation_type,
            user_id = excluded.user_id, reference = excluded.reference, updated_at = excluded.updated_at
        ), `
      : sql``;
    const cardColumns = columnList(MEETING_CARD_COLUMNS);
    const outboxColumns = columnList(OUTBOX_COLUMNS);
    // In INSERT … SELECT the parameters' types are not taken from the columns: each is cast to its column's.
    const typed = sql.join(OUTBOX_COLUMNS.map((c, i) => sql`cast(${messageValues[i]} as ${sql.raw(OUTBOX_TYPES[c])})`));
    return sql`with ${ref}card as (
        insert into meeting_cards (${cardColumns}) values (${sql.join(cardValues)})
        on conflict (tenant_id, conference_id) do nothing
        returning 1
      ), queued as (
        insert into outbox (${outboxColumns}) select ${typed} from card
        on conflict (tenant_id, dedupe_key) do nothing
        returning 1
      )
      select (select count(*) from card) as created, (select count(*) from queued) as queued${
        readDelivery
          ? sql`, ${deliveryColumns()}
        from (select ${keyValues[0]} as tenant_id, ${keyValues[1]} as conference_id, ${keyValues[2]} as organizer_id,
          cast(${keyValues[3]} as text) as legs_after, cast(${keyValues[4]} as text) as legs_until) as k
        ${deliveryJoins('k')}
        order by l.start_at, l.id`
          : sql``
      }`;
  });
  const created = Number(rows[0]!.created) > 0;
  const queued = Number(rows[0]!.queued) > 0;
  // The statement's reads do not see its own writes: the card is the row it inserted.
  return created && readDelivery ? { created, queued, delivery: deliveryOf({ ...card }, rows) } : { created, queued };
}

/**
 * A later occurrence of the card's recurring meeting ended: the conference's card row becomes that occurrence's card,
 * not posted yet. Only if the row is still `previous` (its ended_at): of two replicas handling the same end, one takes
 * it over. The previous occurrence's card, if it was posted, is kept in meeting_card_occurrences, so that its late
 * legs still redraw it; the conference's kept cards that ended before `pruneBefore` go.
 */
export async function startMeetingCardOccurrence(tx: Tx, card: MeetingCardRow, previous: MeetingCardRow, pruneBefore: string): Promise<boolean> {
  const previousEndedAt = previous.ended_at;
  const query = tx
    .updateTable('meeting_cards')
    .set({
      meeting_id: card.meeting_id,
      organizer_id: card.organizer_id,
      title: card.title,
      ended_at: card.ended_at,
      legs_after: card.legs_after ?? null,
      legs_until: card.legs_until ?? null,
      conversation_id: null,
      activity_id: null,
      created_at: card.created_at,
      updated_at: card.updated_at,
    })
    .where('tenant_id', '=', card.tenant_id)
    .where('conference_id', '=', card.conference_id);
  const rows = await (previousEndedAt === null ? query.where('ended_at', 'is', null) : query.where('ended_at', '=', previousEndedAt)).returning('conference_id').execute();
  if (rows.length === 0) return false;
  if (previous.activity_id && previous.ended_at) {
    await tx
      .insertInto('meeting_card_occurrences')
      .values({ ...previous, legs_after: previous.legs_after ?? null, legs_until: previous.legs_until ?? null })
      .onConflict((oc) => oc.columns(['tenant_id', 'conference_id', 'ended_at']).doNothing())
      .execute();
  }
  await tx.deleteFrom('meeting_card_occurrences').where('tenant_id', '=', card.tenant_id).where('conference_id', '=', card.conference_id).where('ended_at', '<', pruneBefore).execute();
  return true;
}

/**
 * The cards of these conferences that legs may redraw: the current card of each, and the kept cards of its earlier
 * occurrences (only a conference with a card has any). One statement (a chunk of intake reads it, with hundreds of
 * conferences: they are sent once), compiled once per number of conferences.
 */
export async function findCardsToUpdate(tx: Tx, tenantId: string, conferenceIds: string[]): Promise<MeetingCardRow[]> {
  if (conferenceIds.length === 0) return [];
  return runShapedList<MeetingCardRow>(tx, 'findCardsToUpdate', conferenceIds.length, [tenantId, ...conferenceIds], () => {
    const columns = columnList(MEETING_CARD_COLUMNS);
    const kept = sql.join(MEETING_CARD_COLUMNS.map((c) => sql.ref(`o.${c}`)));
    return sql`with c as (select ${columns} from meeting_cards where tenant_id = ${tenantId} and conference_id in (${sql.join(conferenceIds)}))
      select ${columns} from c
      union all select ${kept} from meeting_card_occurrences as o join c on o.tenant_id = c.tenant_id and o.conference_id = c.conference_id`;
  });
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
  /** The meeting's legs, rollup row and balance after, for its card (meetingCostFigures). */
  figures: MeetingCostRows;
}

/** Every column of users, read under an `organizer_user_` alias (the compile-time check below fails on a new column). */
const ORGANIZER_COLUMNS = allColumns<UsersTable>()([
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
]);
const ORGANIZER_PREFIX = 'organizer_user_';

/** Every column of meetings, read under an `m_` alias (the compile-time check below fails on a new column). */
const MEETING_COLUMNS = allColumns<MeetingsTable>()([
  'tenant_id',
  'conference_id',
  'organizer_id',
  'legs',
  'billed_seconds',
  'pool_seconds',
  'charge_micros',
  'subscription_legs',
  'pool_legs',
  'credits_legs',
  'addon_legs',
  'flagged_legs',
  'first_start_at',
  'last_end_at',
  'updated_at',
]);

const pickMeeting = columnPicker<MeetingsTable>(MEETING_COLUMNS, 'm_');
const pickLeg = columnPicker<LegsTable>(LEG_COLUMNS, 'l_');
const pickCard = columnPicker<MeetingCardRow>(MEETING_CARD_COLUMNS, '');
const pickOrganizer = columnPicker<UsersTable>(ORGANIZER_COLUMNS, ORGANIZER_PREFIX);

/** What a meeting's cost card shows of it: its legs in start order, its rollup row, the balance after its last charge. */
export interface MeetingCostRows {
  /** listLegs(tenant, { conferenceId }). */
  legs: LegsTable[];
  /** findMeeting. */
  meeting: MeetingsTable | undefined;
  /** balanceAfterMeeting. */
  balanceAfter: number | null;
}

/** The columns the figures' joins add to a row: the meeting's (m_), the leg's (l_), its charge entry's (e_). */
function costColumns(): RawBuilder<unknown> {
  const aliased = (table: string, columns: readonly string[]) => columns.map((c) => sql`${sql.ref(`${table}.${c}`)} as ${sql.ref(`${table}_${c}`)}`);
  return sql.join([...aliased('m', MEETING_COLUMNS), ...aliased('l', LEG_COLUMNS), sql`e.seq as e_seq`, sql`e.balance_after_micros as e_balance_after_micros`]);
}

/**
 * LEFT JOINs of the meeting named by `key`'s tenant_id and conference_id: its rollup row (by its primary key), its
 * legs (legs_conference_start) and each leg's charge entries (by the leg's settled_seq and id,
 * ledger_entries_leg_seq, as balanceAfterMeeting finds them). A leg comes once per charge entry of it (one, or none
 * when nobody was charged); the rows are to be read in `order by l.start_at, l.id`. Only the legs of `key`'s
 * occurrence (legs_after, legs_until; null: no bound), as a card of one occurrence of a recurring meeting shows.
 */
function costJoins(key: string): RawBuilder<unknown> {
  const k = (c: string) => sql.ref(`${key}.${c}`);
  return sql`left join meetings as m on m.tenant_id = ${k('tenant_id')} and m.conference_id = ${k('conference_id')}
    left join legs as l on l.tenant_id = ${k('tenant_id')} and l.conference_id = ${k('conference_id')}
      and (${k('legs_after')} is null or l.start_at > ${k('legs_after')}) and (${k('legs_until')} is null or l.start_at <= ${k('legs_until')})
    left join ledger_entries as e on e.tenant_id = l.tenant_id and e.leg_seq = l.settled_seq and e.leg_id = l.id and e.kind = 'charge'`;
}

/** The figures in rows of costColumns, in leg order: each leg once, the balance after the latest charge entry. */
function costRowsOf(rows: readonly Record<string, unknown>[]): MeetingCostRows {
  const legs: LegsTable[] = [];
  let meeting: MeetingsTable | undefined;
  let latest: { seq: number; balance: number } | undefined;
  for (const row of rows) {
    if (!meeting && row.m_conference_id !== null && row.m_conference_id !== undefined) {
      meeting = pickMeeting(row);
    }
    // A leg's rows are next to each other (ordered by start and id).
    if (row.l_id !== null && row.l_id !== undefined && legs[legs.length - 1]?.id !== row.l_id) {
      legs.push(pickLeg(row));
    }
    if (row.e_seq !== null && row.e_seq !== undefined && (!latest || Number(row.e_seq) > latest.seq)) {
      latest = { seq: Number(row.e_seq), balance: Number(row.e_balance_after_micros) };
    }
  }
  return { legs, meeting, balanceAfter: latest ? latest.balance : null };
}

/**
 * listLegs by conference, findMeeting and balanceAfterMeeting in one statement (one round trip on PostgreSQL instead
 * of three): costJoins from a one-row key, so that a meeting without legs, rollup or charges still comes back.
 */
export async function meetingCostFigures(tx: Tx, tenantId: string, conferenceId: string, occurrence?: OccurrenceWindow): Promise<MeetingCostRows> {
  const after = occurrence?.after ?? null;
  const until = occurrence?.until ?? null;
  const rows = await runPrepared<Record<string, unknown>>(
    tx,
    'meetingCostFigures',
    [tenantId, conferenceId, after, until],
    () => sql`select ${costColumns()}
      from (select ${tenantId} as tenant_id, ${conferenceId} as conference_id, cast(${after} as text) as legs_after, cast(${until} as text) as legs_until) as k
      ${costJoins('k')} order by l.start_at, l.id`,
  );
  const figures = costRowsOf(rows);
  // The meeting's rollup row sums the whole series: an occurrence's figures are its legs'.
  return occurrence ? { ...figures, meeting: undefined } : figures;
}

/**
 * Whether a leg of the card's conference that started at `startAt` is on the card, as costJoins reads them: within its
 * occurrence's window, or any leg for a card without one.
 */
export function cardHoldsLegStart(card: Pick<MeetingCardRow, 'legs_after' | 'legs_until'>, startAt: string): boolean {
  return (!card.legs_after || startAt > card.legs_after) && (!card.legs_until || startAt <= card.legs_until);
}

/** Which of a conference's legs are one occurrence's: started after `after`, no later than `until` (null: no bound). */
export interface OccurrenceWindow {
  after: string | null;
  until: string | null;
}

/**
 * findMeetingCard, the tenant's currency, findPersonalConversation of the card's organizer and the organizer's
 * user row (by id, the primary key), and the card's figures (meetingCostFigures), in one statement: a card's delivery
 * read them one by one, seven statements (seven round trips on PostgreSQL) for each card. The card's columns come
 * again on each of its legs' rows.
 */
export async function findMeetingCardDelivery(tx: Tx, tenantId: string, conferenceId: string, earlierEndedAt?: string): Promise<MeetingCardDelivery | undefined> {
  const card = () => sql.join(MEETING_CARD_COLUMNS.map((c) => sql.ref(`mc.${c}`)));
  // `earlierEndedAt`: the kept card of that earlier occurrence (meeting_card_occurrences), not the conference's current one.
  const rows =
    earlierEndedAt === undefined
      ? await runPrepared<Record<string, unknown>>(tx, 'findMeetingCardDelivery', [tenantId, conferenceId], () => sql`select ${card()}, ${deliveryColumns()}
          from meeting_cards as mc
          ${deliveryJoins('mc')}
          where mc.tenant_id = ${tenantId} and mc.conference_id = ${conferenceId}
          order by l.start_at, l.id`)
      : await runPrepared<Record<string, unknown>>(tx, 'findEarlierMeetingCardDelivery', [tenantId, conferenceId, earlierEndedAt], () => sql`select ${card()}, ${deliveryColumns()}
          from meeting_card_occurrences as mc
          ${deliveryJoins('mc')}
          where mc.tenant_id = ${tenantId} and mc.conference_id = ${conferenceId} and mc.ended_at = ${earlierEndedAt}
          order by l.start_at, l.id`);
  const row = rows[0];
  if (!row) return undefined;
  return deliveryOf(pickCard(row), rows);
}

/** What findMeetingCardDelivery reads besides the card's own columns (deliveryJoins'). */
function deliveryColumns(): RawBuilder<unknown> {
  const organizer = ORGANIZER_COLUMNS.map((c) => sql`${sql.ref(`u.${c}`)} as ${sql.ref(`${ORGANIZER_PREFIX}${c}`)}`);
  return sql`${sql.join(organizer)}, t.currency as tenant_currency, cr.conversation_id as chat_conversation_id, cr.reference as chat_reference, ${costColumns()}`;
}

/**
 * The tenant, the organizer's latest personal chat and user row, and costJoins, of the card `key` names (its
 * tenant_id, conference_id and organizer_id).
 */
function deliveryJoins(key: string): RawBuilder<unknown> {
  const k = (c: string) => sql.ref(`${key}.${c}`);
  return sql`left join tenants as t on t.tenant_id = ${k('tenant_id')}
    left join conversation_refs as cr on cr.tenant_id = ${k('tenant_id')} and cr.conversation_id = (
      select p.conversation_id from conversation_refs as p
      where p.tenant_id = ${k('tenant_id')} and p.user_id = ${k('organizer_id')} and p.conversation_type = 'personal'
      order by p.updated_at desc limit 1)
    left join users as u on u.tenant_id = ${k('tenant_id')} and u.aad_object_id = ${k('organizer_id')}
    ${costJoins(key)}`;
}

/** The delivery of `card` from rows of deliveryColumns (at least one), in leg order. */
function deliveryOf(card: MeetingCardRow, rows: readonly Record<string, unknown>[]): MeetingCardDelivery {
  const row = rows[0]!;
  const organizer = pickOrganizer(row);
  const currency = row.tenant_currency as string | null | undefined;
  const chatId = row.chat_conversation_id as string | null | undefined;
  const chatReference = row.chat_reference as string | null | undefined;
  const figures = costRowsOf(rows);
  return {
    card,
    currency: currency ?? null,
    chat: chatId !== null && chatId !== undefined && chatReference !== null && chatReference !== undefined ? { conversation_id: chatId, reference: chatReference } : undefined,
    organizer: organizer.aad_object_id === null || organizer.aad_object_id === undefined ? undefined : organizer,
    // The meeting's rollup row sums the whole series: a card of one occurrence shows its legs' figures only.
    figures: card.legs_until ? { ...figures, meeting: undefined } : figures,
  };
}

export async function findMeetingCards(tx: Tx, tenantId: string, conferenceIds: string[]): Promise<MeetingCardRow[]> {
  if (conferenceIds.length === 0) return [];
  // A meeting's card is read on every `meeting last`: compiled once per number of meetings asked for.
  return runShapedList<MeetingCardRow>(tx, 'findMeetingCards', conferenceIds.length, [tenantId, ...conferenceIds], () =>
    tx.selectFrom('meeting_cards').selectAll().where('tenant_id', '=', tenantId).where('conference_id', 'in', conferenceIds),
  );
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
  await runShapedList(tx, 'setMeetingCardActivities', cards.length, cardActivityParams(cards), () => sql`update meeting_cards set ${cardActivitySets()}
    from (values ${cardActivityValues(cards)}) as v where ${cardActivityMatch()}`);
}

function cardActivityParams(cards: readonly MeetingCardActivity[]): unknown[] {
  return cards.flatMap((c) => [c.tenantId, c.conferenceId, c.conversationId, c.activityId, c.at]);
}

function cardActivityValues(cards: readonly MeetingCardActivity[]): RawBuilder<unknown> {
  return sql.join(cards.map((c) => sql`(${c.tenantId}, ${c.conferenceId}, ${c.conversationId}, ${c.activityId}, ${c.at})`));
}

const cardActivitySets = () => sql`conversation_id = v.column3, activity_id = v.column4, updated_at = v.column5`;
const cardActivityMatch = () => sql`meeting_cards.tenant_id = v.column1 and meeting_cards.conference_id = v.column2`;

/**
 * setMeetingCardActivities and markDoneMany of `rows` in one statement, PostgreSQL only (a data-modifying CTE): the
 * outbox worker's done marks of posted cards, one round trip instead of four (BEGIN, the two updates, COMMIT), as
 * atomic as the transaction was. Returns the ids of the rows it marked done, as markDoneMany.
 */
export async function setMeetingCardActivitiesMarkingDone(
  tx: Tx,
  cards: readonly MeetingCardActivity[],
  rows: Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>[],
  at: string,
): Promise<Set<string>> {
  if (!(tx.getExecutor().adapter instanceof PostgresAdapter)) throw new Error('setMeetingCardActivitiesMarkingDone: PostgreSQL only');
  if (rows.length === 0) {
    await setMeetingCardActivities(tx, cards);
    return new Set();
  }
  if (cards.length === 0) return markDoneMany(tx, rows, at);
  const done = markDoneManyQuery(rows, at);
  const marked = await runShapedList<{ id: string }>(
    tx,
    'setMeetingCardActivitiesMarkingDone',
    [cards.length, rows.length],
    [...cardActivityParams(cards), ...done.params],
    () => sql`with cards as (update meeting_cards set ${cardActivitySets()} from (values ${cardActivityValues(cards)}) as v where ${cardActivityMatch()}) ${done.build()}`,
  );
  return new Set(marked.map((r) => r.id));
}

export async function setMeetingCardActivity(tx: Tx, tenantId: string, conferenceId: string, conversationId: string, activityId: string, at: string): Promise<void> {
  await runShaped(
    tx,
    'setMeetingCardActivity',
    [conversationId, activityId, at, tenantId, conferenceId],
    () => sql`update meeting_cards set conversation_id = ${conversationId}, activity_id = ${activityId}, updated_at = ${at}
      where tenant_id = ${tenantId} and conference_id = ${conferenceId}`,
  );
}
