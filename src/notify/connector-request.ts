import { AsyncLocalStorage } from 'node:async_hooks';
import type { TurnContext } from 'botbuilder';

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
 * start after the deadline (a slow token fetch before it) is not sent at all.
 *
 * Connector clients are shared between turns (src/bot/connector-clients.ts): a delivery runs inside
 * `withDelivery`, which makes the adapter hand its turn a client built for deliveries (`boundForDeliveries`, shared
 * by all of them), and that client's deadline policy reads the deadline of the delivery whose request it is sending
 * from the async context. Replies inside inbound turns use other clients, with the SDK's default behaviour.
 */
const deliveries = new AsyncLocalStorage<{ deadline: number }>();

/** Runs `fn` (a proactive continuation) as one delivery with this deadline (Date.now() time). */
export function withDelivery<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  return deliveries.run({ deadline }, fn);
}

/** Whether the caller runs inside a delivery (withDelivery): its connector client must be one of boundForDeliveries. */
export function inDelivery(): boolean {
  return deliveries.getStore() !== undefined;
}

/** Clients made ones for deliveries (boundForDeliveries). */
const bounded = new WeakSet<object>();

/**
 * Whether a delivery's turn may send: its connector client is one for deliveries, or it has none of that shape (test
 * adapters). False for an adapter that hands a delivery an ordinary client (one not made by bot-app's createAdapter):
 * with the SDK's hidden retries, a card could be posted twice.
 */
export function deliveryReady(context: TurnContext): boolean {
  const key = (context.adapter as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const client = key ? (context.turnState.get(key) as object | undefined) : undefined;
  return !client || bounded.has(client);
}

/**
 * Makes a connector client one for deliveries: no retry phase, and each request bounded by the current delivery's
 * deadline. Called once, when the client is built. Returns false (and leaves the client alone) when it has no
 * pipeline of that shape.
 */
export function boundForDeliveries(client: unknown): boolean {
  // botframework-connector's ConnectorClient keeps its @azure/core-client ServiceClient as `client`.
  const pipeline = (client as { client?: { pipeline?: PipelineLike } } | undefined)?.client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function' || typeof pipeline.addPolicy !== 'function') return false;
  pipeline.removePolicy({ phase: 'Retry' });
  bounded.add(client as object);
  pipeline.addPolicy({
    name: 'tollgateDeadline',
    sendRequest: (request, next) => {
      const delivery = deliveries.getStore();
      // Outside a delivery (nothing should send so) the request still goes once, bounded by the SDK's defaults only.
      if (delivery) {
        const left = delivery.deadline - Date.now();
        if (left <= 0) return Promise.reject(new ConnectorDeadlineError('the delivery ran out of time before its request was sent', false));
        request.timeout = left;
      }
      return next(request);
    },
  });
  return true;
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
  addPolicy(policy: { name: string; sendRequest(request: { timeout: number }, next: (request: { timeout: number }) => Promise<unknown>): Promise<unknown> }): void;
}
