import { TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import { TeamsConnectorClient } from 'botframework-connector';
import { LRUCache } from 'lru-cache';
import type { GraphClient } from '../graph/graph-client';
import type { Logger } from '../observability/logger';
import { batchedTransactionsOf } from '../store/batched-transactions';
import type { Store } from '../store/database';
import { findMeetingCard, insertMeetingCardQueued, startMeetingCardOccurrence, type MeetingCardDelivery, type MeetingCardRow } from '../store/bot-store';
import { findMeetingStart, rememberMeetingStart } from '../store/meeting-start-store';
import { insertRow, outboxRowOf, type OutboxRow } from '../store/outbox-store';
import { findTenant } from '../store/tenant-store';
import { outboxEnqueued, outboxTakerOf } from '../notify/outbox-signal';
import { callerOf } from './caller';
import { conversationToWrite, rememberConversation } from './conversation-refs';

export const MEETING_CARD_SEND = 'meeting_card.send';

/**
 * The outbox dedupe key of a meeting's first post: one per occurrence (its end), whichever replica got the end event.
 * A card from before occurrences (no window) has its conference's key.
 */
export function meetingCardSendKey(card: Pick<MeetingCardRow, 'conference_id' | 'ended_at' | 'legs_until'>): string {
  return card.legs_until && card.ended_at ? `meeting-card:${card.conference_id}@${card.ended_at}` : `meeting-card:${card.conference_id}`;
}

/**
 * Every occurrence of a recurring meeting has the series' dial-in conference, and its legs that conference id: each
 * end gets a card of its own, showing the legs between the previous occurrence's and its own end. Two ends of one
 * conference closer than this are one end told twice (Teams' retries, several replicas), not two occurrences.
 */
const OCCURRENCE_GAP_MS = 15 * 60_000;
/** A leg that starts this long after the end Teams reported (clocks differ) is still the occurrence's. */
const END_GRACE_MS = 5 * 60_000;
/** Before the start Tollgate saw: a leg may have joined before the start event was handled. */
const START_GRACE_MS = 60 * 60_000;
/**
 * How long an earlier occurrence's posted card is still redrawn by its late legs and Microsoft's figures (which come
 * within 48 hours): counted back from a later occurrence's end, when the conference's older ones are dropped.
 */
const EARLIER_CARDS_KEPT_MS = 35 * 86_400_000;
/** Teams ends a meeting 30 hours after it started at the latest: none of its legs started before that. */
const LONGEST_MEETING_MS = 30 * 3_600_000;

/**
 * Which of the conference's legs are the occurrence's that ended at `endMs`: from the later of the previous
 * occurrence's window end, the start Tollgate saw (less a grace) and the longest a meeting can last, to its end (plus a
 * grace). Times as legs store them (toISOString's form), so that they compare as text.
 */
export function occurrenceWindow(endMs: number, startedAt: string | undefined, previous: Pick<MeetingCardRow, 'ended_at' | 'legs_until'> | undefined): { legs_after: string; legs_until: string } {
  let after = endMs - LONGEST_MEETING_MS;
  const startedMs = startedAt ? Date.parse(startedAt) : NaN;
  if (startedMs <= endMs) after = Math.max(after, startedMs - START_GRACE_MS);
  const previousUntil = previous ? Date.parse(previous.legs_until ?? '') || Date.parse(previous.ended_at ?? '') + END_GRACE_MS : NaN;
  if (previousUntil < endMs) after = Math.max(after, previousUntil);
  return { legs_after: new Date(after).toISOString(), legs_until: new Date(endMs + END_GRACE_MS).toISOString() };
}

/** Whether an end at `endMs` is a later occurrence than the card's (else the same end again, or an older one). */
export function isLaterOccurrence(card: Pick<MeetingCardRow, 'ended_at'>, endMs: number): boolean {
  const cardEndMs = Date.parse(card.ended_at ?? '');
  return endMs - cardEndMs > OCCURRENCE_GAP_MS;
}

/** Teams' meeting-end event, as teams-ai's app.meetings.end routes it: onMeetingEnd remembers its chat itself. */
export function isMeetingEnd(activity: Partial<Activity>): boolean {
  return activity.type === 'event' && activity.channelId === 'msteams' && activity.name === 'application/vnd.microsoft.meetingEnd';
}

/** The start or end event's payload, whatever the case of its keys (Teams sends Id, EndTime, … despite the typings). */
export interface MeetingEvent {
  id?: string;
  title?: string;
  joinUrl?: string;
  endTime?: string;
}

export function normalizeMeetingEvent(payload: unknown): MeetingEvent {
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
  /** When Tollgate saw the meeting start (meeting_starts), if it did. */
  startedAt?: string;
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
    const teams = teamsClientOf(context);
    const info = teams ? await teams.teams.fetchMeetingInfo(meeting.meetingId) : await TeamsInfo.getMeetingInfo(context, meeting.meetingId);
    const organizerId = info.organizer?.aadObjectId;
    const joinUrl = info.details?.joinUrl ?? meeting.joinUrl;
    const online = organizerId && joinUrl ? await this.graph.onlineMeeting(meeting.tenantId, { organizerId, joinUrl }) : undefined;
    return { organizerId, title: info.details?.title ?? online?.subject, joinUrl, conferenceId: online?.conferenceId };
  }
}

/**
 * Teams clients kept per connector credentials (the turn's connector client's) and service URL. TeamsInfo builds a
 * new TeamsConnectorClient, with its @azure/core-client pipeline, for every call: ~0.5 ms of CPU per
 * meeting end for nothing, as the client holds no turn state (fetchMeetingInfo takes the meeting id) and its
 * credentials get and refresh their own tokens. Keyed by the credentials object itself, so a client is shared only
 * where the connector client's credentials are (bot/connector-clients.ts keeps those between turns), and forgotten
 * with them.
 */
const teamsClients = new WeakMap<object, LRUCache<string, TeamsConnectorClient>>();
/** Service URLs kept per credentials, the least recently used dropped first (Teams uses a few per region). */
const MAX_TEAMS_CLIENTS_PER_CREDENTIALS = 16;

function teamsClientOf(context: TurnContext): TeamsConnectorClient | undefined {
  const serviceUrl = context.activity.serviceUrl;
  const key = (context.adapter as { ConnectorClientKey?: symbol } | undefined)?.ConnectorClientKey;
  // An adapter of the older kind makes its own clients (TeamsInfo asks it): left to TeamsInfo.
  if (!serviceUrl || !key || 'createConnectorClient' in context.adapter) return undefined;
  const credentials = (context.turnState.get(key) as { credentials?: ConstructorParameters<typeof TeamsConnectorClient>[0] } | undefined)?.credentials;
  if (!credentials) return undefined;
  let byUrl = teamsClients.get(credentials);
  if (!byUrl) teamsClients.set(credentials, (byUrl = new LRUCache({ max: MAX_TEAMS_CLIENTS_PER_CREDENTIALS })));
  let client = byUrl.get(serviceUrl);
  if (!client) {
    client = new TeamsConnectorClient(credentials, { baseUri: serviceUrl });
    byUrl.set(serviceUrl, client);
  }
  return client;
}

/**
 * Tenants findTenant found, per store, kept a while: meetings of one tenant ending together (200 at once) read the
 * tenant's row once rather than once each (a round trip each on PostgreSQL). The look-up itself is shared while it
 * runs. Only a tenant that exists is kept, so one set up since is seen at once; Tollgate never deletes a tenant, so
 * a kept one is still there (one removed by hand would be kept at most KNOWN_TENANT_TTL_MS).
 */
const knownTenants = new WeakMap<Store, LRUCache<string, Promise<boolean>>>();
const KNOWN_TENANT_TTL_MS = 5 * 60_000;
const MAX_KNOWN_TENANTS = 10_000;

function tenantKnown(store: Store, tenantId: string): Promise<boolean> {
  let known = knownTenants.get(store);
  if (!known) knownTenants.set(store, (known = new LRUCache({ max: MAX_KNOWN_TENANTS, ttl: KNOWN_TENANT_TTL_MS })));
  const kept = known.get(tenantId);
  if (kept) return kept;
  const found = findTenant(store.db, tenantId).then((row) => row !== undefined);
  known.set(tenantId, found);
  const forget = () => {
    if (known.get(tenantId) === found) known.delete(tenantId);
  };
  found.then((exists) => exists || forget(), forget);
  return found;
}

/** How long a meeting's start is kept for its end: Teams ends a meeting after 30 hours at most. */
export const MEETING_START_KEPT_MS = 3 * 24 * 3600_000;

type MeetingDeps = { store: Store; lookup: MeetingLookup; logger: Logger; now: () => Date };

/** The tenant and meeting an event is about (the meeting id from channelData, as Teams documents), if it names both. */
function meetingOf(context: TurnContext, event: MeetingEvent): { tenantId: string; meetingId: string } | undefined {
  const channelMeeting = (context.activity.channelData as { meeting?: { id?: string } } | undefined)?.meeting?.id;
  const meetingId = channelMeeting ?? event.id;
  const tenantId = callerOf(context.activity).tenantId;
  return tenantId && meetingId ? { tenantId, meetingId } : undefined;
}

/**
 * A scheduled meeting started: ask Teams and Graph about it now (organizer, dial-in conference), while nobody waits,
 * and keep the answer for its end. 200 meetings ending together at the top of the hour then go straight to their
 * cards; each end otherwise waits for two requests to Teams and Graph. A failed look-up is only logged: the end asks
 * again.
 */
export async function onMeetingStart(deps: MeetingDeps, context: TurnContext, payload: unknown): Promise<'remembered' | 'skipped'> {
  const event = normalizeMeetingEvent(payload);
  const meeting = meetingOf(context, event);
  if (!meeting || !(await tenantKnown(deps.store, meeting.tenantId))) return 'skipped';
  const details = await deps.lookup.describe(context, { ...meeting, joinUrl: event.joinUrl });
  if (!details?.conferenceId || !details.organizerId) return 'skipped';
  const now = deps.now();
  const row = {
    tenant_id: meeting.tenantId,
    meeting_id: meeting.meetingId,
    organizer_id: details.organizerId,
    conference_id: details.conferenceId,
    title: details.title ?? event.title ?? null,
    join_url: details.joinUrl ?? event.joinUrl ?? null,
    started_at: now.toISOString(),
  };
  await deps.store.inTransaction((tx) => rememberMeetingStart(tx, row, new Date(now.getTime() - MEETING_START_KEPT_MS).toISOString()));
  return 'remembered';
}

/** What the meeting's start found out, if Tollgate saw it start; else Teams and Graph are asked now. */
async function detailsAtEnd(deps: MeetingDeps, context: TurnContext, meeting: { tenantId: string; meetingId: string; joinUrl?: string }): Promise<MeetingDetails | undefined> {
  const started = await findMeetingStart(deps.store.db, meeting.tenantId, meeting.meetingId);
  if (started) return { startedAt: started.started_at, organizerId: started.organizer_id, conferenceId: started.conference_id, title: started.title ?? undefined, joinUrl: started.join_url ?? undefined };
  return deps.lookup.describe(context, meeting);
}

/**
 * A scheduled meeting ended: remember its card (first writer wins, whichever replica got the event) and queue the
 * organizer's cost card in the same transaction, with the meeting chat's reference (every other activity's is
 * remembered before its turn, bot-app.ts). The card is built when it is delivered, from the legs rated by then.
 */
export async function onMeetingEnd(
  deps: MeetingDeps,
  context: TurnContext,
  payload: unknown,
): Promise<'queued' | 'duplicate' | 'skipped'> {
  let remembered = false;
  try {
    return await queueMeetingCard(deps, context, payload, () => (remembered = true));
  } finally {
    // Not queued (skipped, or failed): the chat is remembered on its own, as for any activity.
    if (!remembered) {
      await rememberConversation(deps.store, context.activity, deps.now()).catch((err) => deps.logger.warn({ err }, 'could not store the conversation reference'));
    }
  }
}

async function queueMeetingCard(deps: MeetingDeps, context: TurnContext, payload: unknown, onRemembered: () => void): Promise<'queued' | 'duplicate' | 'skipped'> {
  const event = normalizeMeetingEvent(payload);
  const meeting = meetingOf(context, event);
  if (!meeting) {
    deps.logger.warn({ tenantId: callerOf(context.activity).tenantId }, 'meeting end without tenant or meeting id: no cost card');
    return 'skipped';
  }
  const { tenantId, meetingId } = meeting;
  if (!(await tenantKnown(deps.store, tenantId))) return 'skipped';
  const details = await detailsAtEnd(deps, context, { tenantId, meetingId, joinUrl: event.joinUrl });
  if (!details?.conferenceId || !details.organizerId) {
    deps.logger.info({ tenantId, meetingId }, 'meeting has no dial-in conference or organizer: no cost card');
    return 'skipped';
  }
  const at = deps.now().toISOString();
  const conferenceId = details.conferenceId;
  // The end Teams reported, else now; as legs store times, so the occurrence's window compares with their starts.
  const reportedEndMs = event.endTime ? Date.parse(event.endTime) : NaN;
  const endedAt = Number.isNaN(reportedEndMs) ? at : new Date(reportedEndMs).toISOString();
  const endMs = Date.parse(endedAt);
  // With an outbox worker in this process, the card's row is queued already claimed for it and handed over once
  // committed: the card goes out at once, without a claim of its own (should the process die first, the row's lease
  // runs out and any replica's worker sends it). The transaction is shared with the other meetings ending meanwhile
  // (one commit for all), and may run twice: `claimed` is set afresh each time.
  const taker = outboxTakerOf(deps.store);
  let claimed: OutboxRow | undefined;
  let delivery: MeetingCardDelivery | undefined;
  const result = await batchedTransactionsOf(deps.store).run(tenantId, async (tx) => {
    claimed = undefined;
    delivery = undefined;
    // The meeting chat's reference is written with the card (every other activity's is remembered before its turn).
    const conversation = conversationToWrite(context.activity, new Date(at));
    const card: MeetingCardRow = {
      tenant_id: tenantId,
      conference_id: conferenceId,
      meeting_id: meetingId,
      organizer_id: details.organizerId!,
      title: details.title ?? event.title ?? null,
      ended_at: endedAt,
      ...occurrenceWindow(endMs, details.startedAt, undefined),
      conversation_id: null,
      activity_id: null,
      created_at: at,
      updated_at: at,
    };
    // The card's post is queued with the card and the chat (one statement on PostgreSQL), and only if the card is new.
    // Its payload names the occurrence: a post still waiting when a later one ends is not sent (the row is the later's).
    const message = outboxRowOf({ tenantId, kind: MEETING_CARD_SEND, dedupeKey: meetingCardSendKey(card), payload: { conferenceId, endedAt }, at }, taker?.leaseUntil());
    // Handed over to this process's worker, the card's delivery is read in the same statement (PostgreSQL).
    const written = await insertMeetingCardQueued(tx, card, message, conversation, { readDelivery: taker !== undefined });
    if (written.created) {
      if (taker && written.queued) {
        claimed = message;
        delivery = written.delivery;
      }
      return 'queued' as const;
    }
    // The conference has a card: this end is the same one again, or a later occurrence of a recurring meeting, whose
    // card takes the row over (its legs start where the previous occurrence's ended).
    const previous = await findMeetingCard(tx, tenantId, conferenceId);
    if (!previous || !isLaterOccurrence(previous, endMs)) return 'duplicate' as const;
    const next = { ...card, ...occurrenceWindow(endMs, details.startedAt, previous) };
    if (!(await startMeetingCardOccurrence(tx, next, previous, new Date(endMs - EARLIER_CARDS_KEPT_MS).toISOString()))) return 'duplicate' as const;
    if ((await insertRow(tx, message)) !== undefined && taker) claimed = message;
    return 'queued' as const;
  });
  onRemembered();
  // Committed: a worker of this process sends the card now rather than at its next poll.
  if (claimed) taker!.take(claimed, delivery);
  else if (result === 'queued') outboxEnqueued(deps.store);
  return result;
}
