import { CardFactory, type Activity, type ConversationReference } from 'botbuilder';
import type { BotCommands } from '../bot/bot-commands';
import type { Store } from '../store/database';
import { findMeetingCardDelivery, setMeetingCardActivities, setMeetingCardActivitiesMarkingDone, type MeetingCardActivity, type MeetingCardDelivery } from '../store/bot-store';
import { isAdminUser } from '../directory/directory';
import type { Tollgate } from '../tollgate';
import type { Clock } from '../time/clock';
import { DeliveryError, type Messenger } from './messenger';
import type { OutboxHandler, OutboxRecord, SharedOutboxRecord } from './outbox-worker';
import { findOutboxRow } from '../store/outbox-store';
import { meetingCardSendKey } from '../bot/meeting-end';
import { costFiguresView } from '../usage/meeting-queries';

/**
 * The organizer's post-meeting cost card: sent once to their personal chat with the legs rated so far, then the
 * same message is updated in place (updateActivity) whenever later legs of the meeting arrive.
 */
export function meetingCardHandlers(deps: {
  tollgate: Tollgate;
  commands: BotCommands;
  messenger: Messenger;
  clock: Clock;
  bootstrapAdmins: readonly string[];
}): Record<string, OutboxHandler> {
  const { tollgate, commands, messenger, clock } = deps;
  const store: Store = tollgate.store;

  const cardActivity = async (found: MeetingCardDelivery, reference: Partial<ConversationReference>): Promise<Partial<Activity>> => {
    const { card, currency } = found;
    // The organizer, read once (with the card, by id; else as the directory finds users, by UPN too): whether they
    // are an admin (the card shows numbers in full) and their name on it.
    const organizer = found.organizer ?? (await tollgate.directory.user(card.tenant_id, card.organizer_id));
    const isAdmin = isAdminUser(organizer, card.organizer_id, deps.bootstrapAdmins);
    const readerId = reference.user?.id;
    const shown = await commands.meetingCostCard(card.tenant_id, card.conference_id, {
      currency: currency ?? 'USD',
      locale: reference.locale ?? 'en-US',
      isAdmin,
      now: clock.now(),
      refreshUserIds: readerId ? [readerId] : [],
    }, { card, organizer, figures: costFiguresView(found.figures) });
    return { type: 'message', attachments: [CardFactory.adaptiveCard(shown)] };
  };

  const deliver = async (tenantId: string, conferenceId: string, mode: 'send' | 'update', readAhead?: MeetingCardDelivery, endedAt?: string): Promise<OutboxRecord | undefined> => {
    // The card row, the tenant's currency, the organizer's personal chat and user row, and the meeting's legs, rollup
    // row and balance after, in one read; for a post handed over by meeting-end.ts, read with the card's insert.
    // An update of an earlier occurrence's card (a recurring meeting): its kept row, when it is not the current card.
    let found = readAhead ?? (await findMeetingCardDelivery(store.db, tenantId, conferenceId));
    if (mode === 'update' && endedAt !== undefined && found?.card.ended_at !== endedAt) {
      found = await findMeetingCardDelivery(store.db, tenantId, conferenceId, endedAt);
      if (!found) return undefined;
    }
    if (!found) throw new DeliveryError(`no meeting card row for ${conferenceId}`, undefined, true);
    const { card, chat: conversation } = found;
    // The post of an occurrence of a recurring meeting whose row a later occurrence has taken over since: that one's
    // own post shows the later occurrence; this one has nothing left to show.
    if (mode === 'send' && endedAt !== undefined && card.ended_at !== endedAt) return undefined;
    if (card.activity_id && card.conversation_id) {
      // Already posted (maybe by a worker that died before marking its row done): update, never post twice.
      if (!conversation) throw DeliveryError.unreachable('the organizer no longer has a chat with Tollgate');
      const reference = JSON.parse(conversation.reference) as Partial<ConversationReference>;
      await messenger.update(reference, card.activity_id, await cardActivity(found, reference));
      return undefined;
    }
    if (mode === 'update') {
      // Not posted yet. A post still queued will be rendered when it is sent, with these legs: nothing to do. A post
      // in flight right now (another worker) may have been rendered from figures read before these legs: wait for
      // it (back-off), then update it.
      const post = await findOutboxRow(store.db, tenantId, meetingCardSendKey(card));
      if (post?.status === 'sending') throw new DeliveryError('the card is being posted right now: updating it once it is');
      return undefined;
    }
    if (!conversation) {
      // An ordinary state (the app not installed for them yet): retried, and not an error when it is given up.
      throw new DeliveryError('the organizer has no personal chat with Tollgate yet (install the app for them); retrying later', undefined, false, true);
    }
    const reference = JSON.parse(conversation.reference) as Partial<ConversationReference>;
    const sent = await messenger.send(reference, await cardActivity(found, reference));
    // Written by the worker with the row's done mark (and retried through a short outage): without it a retry of the
    // row would post the card again instead of updating it. The cards marked done together are written in one go.
    const record: SharedOutboxRecord<MeetingCardActivity> = {
      item: { tenantId, conferenceId, conversationId: conversation.conversation_id, activityId: sent.activityId, at: clock.now().toISOString() },
      writeAll: setMeetingCardActivities,
      writeAllMarkingDone: setMeetingCardActivitiesMarkingDone,
    };
    return record;
  };

  return {
    'meeting_card.send': async (row, payload, claim) => {
      // endedAt: the occurrence the post is for (absent in a post queued before occurrences: the conference's card).
      const { conferenceId, endedAt } = payload as { conferenceId: string; endedAt?: string };
      const readAhead = claim.readAhead as MeetingCardDelivery | undefined;
      return deliver(row.tenant_id, conferenceId, 'send', readAhead?.card.tenant_id === row.tenant_id && readAhead.card.conference_id === conferenceId ? readAhead : undefined, endedAt);
    },
    'meeting_card.update': async (row, payload) => {
      // endedAt: the occurrence whose card this redraws (absent: a card from before occurrences, the conference's).
      const { conferenceId, endedAt } = payload as { conferenceId: string; endedAt?: string };
      return deliver(row.tenant_id, conferenceId, 'update', undefined, endedAt);
    },
  };
}
