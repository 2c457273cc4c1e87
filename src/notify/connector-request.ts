import type { TurnContext } from 'botbuilder';

/**
 * Makes the Bot Framework connector client of a proactive turn send each request once, within a deadline.
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
 * The connector client is created per continuation (ConnectorFactory.create), so this changes only this turn's.
 * Returns false when the turn has no connector client of that shape (test adapters): it is then left alone.
 */
export function boundConnectorRequests(context: TurnContext, deadline: number): boolean {
  const key = (context.adapter as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const connector = key ? (context.turnState.get(key) as { client?: { pipeline?: PipelineLike } } | undefined) : undefined;
  const pipeline = connector?.client?.pipeline;
  if (!pipeline || typeof pipeline.removePolicy !== 'function' || typeof pipeline.addPolicy !== 'function') return false;
  pipeline.removePolicy({ phase: 'Retry' });
  pipeline.addPolicy({
    name: 'tollgateDeadline',
    sendRequest: (request, next) => {
      const left = deadline - Date.now();
      if (left <= 0) return Promise.reject(new ConnectorDeadlineError('the delivery ran out of time before its request was sent', false));
      request.timeout = left;
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
