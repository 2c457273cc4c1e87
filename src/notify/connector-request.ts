import type { TurnContext } from 'botbuilder';
import { AuthenticationConstants, ClaimsIdentity, type ConnectorClient } from 'botframework-connector';

/**
 * How the Bot Framework connector clients of proactive deliveries (the outbox's cards) send: each request once,
 * within the delivery's deadline.
 *
 * botframework-connector's HTTP pipeline (@azure/core-rest-pipeline) retries on its own: a 5xx or a network error
 * up to 3 more times with exponential delays, a 429 after waiting out its Retry-After, all inside one
 * sendActivity call, and it has no timeout at all. For the outbox that is wrong twice over: a POST of a new
 * activity is not idempotent (each hidden retry of a request the connector did act on posts the card again), and an
 * unbounded call can outlive the outbox claim's lease, so another replica takes the row and posts it as well.
 * So the pipeline's retry phase is removed (the outbox retries instead, with its back-off, honouring Retry-After,
 * and records every attempt), and every request gets a timeout that ends by the deadline; a request that would
 * start after the deadline is not sent at all.
 *
 * Connector clients are shared between turns (src/bot/connector-clients.ts). A delivery's turn is started with a
 * claims identity of its own (`deliveryIdentity`), for which the adapter's connector factory hands out a client
 * built for deliveries (`boundForDeliveries`, shared by all of them); the delivery then puts in its turn a view of
 * that client that gives each request the delivery's deadline (`boundToDeadline`). Replies inside inbound turns
 * use other clients, with the SDK's default behaviour.
 *
 * Nothing here uses the async context (AsyncLocalStorage): on Node 20 the first use of one turns on promise hooks for
 * the whole process, and from the first card on every promise of the bot paid for them (several percent of its CPU
 * in the 200-meeting burst).
 */

/** The identities deliveryIdentity made (one per delivery). */
const deliveryIdentities = new WeakSet<ClaimsIdentity>();

/**
 * The claims identity a delivery's turn runs with (continueConversationAsync's first argument): the one the adapter
 * makes for `botAppId` (CloudAdapterBase.createClaimsIdentity), known as a delivery's by isDeliveryIdentity.
 */
export function deliveryIdentity(botAppId: string): ClaimsIdentity {
  const identity = new ClaimsIdentity([
    { type: AuthenticationConstants.AudienceClaim, value: botAppId },
    { type: AuthenticationConstants.AppIdClaim, value: botAppId },
  ]);
  deliveryIdentities.add(identity);
  return identity;
}

/** Whether a turn's identity is a delivery's: its connector client must be one of boundForDeliveries. */
export function isDeliveryIdentity(identity: ClaimsIdentity): boolean {
  return deliveryIdentities.has(identity);
}

/** Clients made ones for deliveries (boundForDeliveries). */
const bounded = new WeakSet<object>();

/**
 * Makes a connector client one for deliveries: no retry phase. Called once, when the client is built. Returns false
 * (and leaves the client alone) when it has no pipeline of that shape.
 */
export function boundForDeliveries(client: unknown): boolean {
  // botframework-connector's ConnectorClient keeps its @azure/core-client ServiceClient as `client`.
  const pipeline = (client as { client?: { pipeline?: PipelineLike } } | undefined)?.client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function') return false;
  pipeline.removePolicy({ phase: 'Retry' });
  bounded.add(client as object);
  return true;
}

/**
 * Gives the delivery's turn its connector client bounded by `deadline` (Date.now() time): each request the adapter
 * sends for it (a new activity, a reply, an update) times out by then, and one that would start after it is not sent.
 * True when the turn may send: its client is one for deliveries, or it has none (test adapters). False for an
 * adapter that handed the delivery an ordinary client (one not made by bot-app's createAdapter): with the SDK's
 * hidden retries, a card could be posted twice.
 */
export function boundToDeadline(context: TurnContext, deadline: number): boolean {
  const key = (context.adapter as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const client = key ? (context.turnState.get(key) as ConnectorClient | undefined) : undefined;
  if (!key || !client) return true;
  if (!bounded.has(client)) return false;
  context.turnState.set(key, withDeadline(client, deadline));
  return true;
}

type Conversations = ConnectorClient['conversations'];

/**
 * A view of a shared client whose conversation requests carry the delivery's time left as their timeout (the
 * operations' own options: the client is shared, its pipeline cannot hold one delivery's deadline). The adapter
 * sends activities, replies and updates through these three (CloudAdapterBase), all a delivery does; its turn has no
 * other conversation operation (one would fail at once, not go out unbounded).
 */
function withDeadline(client: ConnectorClient, deadline: number): ConnectorClient {
  const view = Object.create(client) as ConnectorClient;
  view.conversations = new DeadlineConversations(client.conversations, deadline) as unknown as Conversations;
  return view;
}

class DeadlineConversations {
  constructor(
    private readonly conversations: Conversations,
    private readonly deadline: number,
  ) {}

  sendToConversation(conversationId: string, activity: Parameters<Conversations['sendToConversation']>[1]) {
    return this.conversations.sendToConversation(conversationId, activity, this.options());
  }

  replyToActivity(conversationId: string, activityId: string, activity: Parameters<Conversations['replyToActivity']>[2]) {
    return this.conversations.replyToActivity(conversationId, activityId, activity, this.options());
  }

  updateActivity(conversationId: string, activityId: string, activity: Parameters<Conversations['updateActivity']>[2]) {
    return this.conversations.updateActivity(conversationId, activityId, activity, this.options());
  }

  /** The connector's operations take msRest-style options (botbuilder-stdlib's compat layer): `timeout` in ms. */
  private options(): { timeout: number } {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new ConnectorDeadlineError('the delivery ran out of time before its request was sent', false);
    return { timeout: left };
  }
}

/** The attempt's time ran out; `maybeSent` when a request was on its way (the connector may have acted on it). */
export class ConnectorDeadlineError extends Error {
  constructor(
    message: string,
    readonly maybeSent: boolean,
  ) {
    super(message);
  }
}

/** The part of @azure/core-rest-pipeline's Pipeline used here (it is not a direct dependency). */
interface PipelineLike {
  removePolicy(options: { name?: string; phase?: string }): unknown;
}
