import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { GraphClient } from '../graph/graph-client';
import type { Logger } from '../observability/logger';
import type { Store } from '../store/database';
import { insertMeetingCard } from '../store/bot-store';
import { enqueue } from '../store/outbox-store';
import { findTenant } from '../store/tenant-store';
import { outboxEnqueued } from '../notify/outbox-signal';
import { callerOf } from './caller';

export const MEETING_CARD_SEND = 'meeting_card.send';

/** The outbox dedupe key of a meeting's first post: one per meeting, whichever replica got the end event. */
export function meetingCardSendKey(conferenceId: string): string {
  return `meeting-card:${conferenceId}`;
}

/** The end event's payload, whatever the case of its keys (Teams sends Id, EndTime, … despite the typings). */
export interface MeetingEnded {
  id?: string;
  title?: string;
  joinUrl?: string;
  endTime?: string;
}

export function normalizeMeetingEnd(payload: unknown): MeetingEnded {
  const out: Record<string, string> = {};
  if (payload && typeof payload === 'object') {
    for (const [k, v] of Object.entries(payload as Record<string, unknown>)) {
      if (typeof v === 'string') out[k.charAt(0).toLowerCase() + k.slice(1)] = v;
    }
  }
  return { id: out.id, title: out.title, joinUrl: out.joinUrl ?? out.joinWebUrl, endTime: out.endTime };
}

/** What the bot needs to know about an ended meeting; Teams' connector and Graph in production, faked in tests. */
export interface MeetingDetails {
  organizerId?: string;
  title?: string;
  joinUrl?: string;
  conferenceId?: string;
}

export interface MeetingLookup {
  describe(context: TurnContext, meeting: { tenantId: string; meetingId: string; joinUrl?: string }): Promise<MeetingDetails | undefined>;
}

/** Teams' meeting info (organizer, title, join URL) and Graph's online meeting (the dial-in conference id). */
export class TeamsGraphMeetingLookup implements MeetingLookup {
  constructor(private readonly graph: GraphClient) {}

  async describe(context: TurnContext, meeting: { tenantId: string; meetingId: string; joinUrl?: string }): Promise<MeetingDetails | undefined> {
    const info = await TeamsInfo.getMeetingInfo(context, meeting.meetingId);
    const organizerId = info.organizer?.aadObjectId;
    const joinUrl = info.details?.joinUrl ?? meeting.joinUrl;
    const online = organizerId && joinUrl ? await this.graph.onlineMeeting(meeting.tenantId, { organizerId, joinUrl }) : undefined;
    return { organizerId, title: info.details?.title ?? online?.subject, joinUrl, conferenceId: online?.conferenceId };
  }
}

/**
 * A scheduled meeting ended: remember its card (first writer wins, whichever replica got the event) and queue the
 * organizer's cost card in the same transaction. The card is built when it is delivered, from the legs rated by then.
 */
export async function onMeetingEnd(
  deps: { store: Store; lookup: MeetingLookup; logger: Logger; now: () => Date },
  context: TurnContext,
  payload: unknown,
): Promise<'queued' | 'duplicate' | 'skipped'> {
  const caller = callerOf(context.activity);
  const event = normalizeMeetingEnd(payload);
  const channelMeeting = (context.activity.channelData as { meeting?: { id?: string } } | undefined)?.meeting?.id;
  const meetingId = channelMeeting ?? event.id;
  const tenantId = caller.tenantId;
  if (!tenantId || !meetingId) {
    deps.logger.warn({ tenantId, meetingId }, 'meeting end without tenant or meeting id: no cost card');
    return 'skipped';
  }
  if (!(await findTenant(deps.store.db, tenantId))) return 'skipped';
  const details = await deps.lookup.describe(context, { tenantId, meetingId, joinUrl: event.joinUrl });
  if (!details?.conferenceId || !details.organizerId) {
    deps.logger.info({ tenantId, meetingId }, 'meeting has no dial-in conference or organizer: no cost card');
    return 'skipped';
  }
  const at = deps.now().toISOString();
  const conferenceId = details.conferenceId;
  const result = await deps.store.inTenantTransaction(tenantId, async (tx) => {
    const created = await insertMeetingCard(tx, {
      tenant_id: tenantId,
      conference_id: conferenceId,
      meeting_id: meetingId,
      organizer_id: details.organizerId!,
      title: details.title ?? event.title ?? null,
      ended_at: event.endTime ?? at,
      conversation_id: null,
      activity_id: null,
      created_at: at,
      updated_at: at,
    });
    if (!created) return 'duplicate' as const;
    await enqueue(tx, { tenantId, kind: MEETING_CARD_SEND, dedupeKey: meetingCardSendKey(conferenceId), payload: { conferenceId }, at });
    return 'queued' as const;
  });
  // Committed: a worker of this process sends the card now rather than at its next poll.
  if (result === 'queued') outboxEnqueued(deps.store);
  return result;
}
