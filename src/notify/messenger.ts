import type { Activity, BotAdapter, ConversationReference, TurnContext } from 'botbuilder';
import { retryAfterMs } from '../graph/retry-after';
import { ConnectorDeadlineError, boundToDeadline, deliveryIdentity } from './connector-request';

/** How Tollgate speaks first: send a new activity into a stored conversation, or update one it sent before. */
export interface Messenger {
  send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<{ activityId: string }>;
  update(reference: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void>;
}

/** Thrown for a delivery the connector refused for now; `retryAfterMs` when it said how long to wait (429, 503). */
export class DeliveryError extends Error {
  /**
   * `expected`: an ordinary state of a tenant rather than a fault (an admin who never opened a chat with Tollgate,
   * someone no longer an admin: permanent; an organizer who has no chat with it yet: retried). The outbox records the
   * reason as for any failure, but logs it at info, not as a warning or an error, which would page an operator for
   * every card or notice such a person misses.
   */
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly permanent = false,
    readonly expected = false,
  ) {
    super(message);
  }

  /** The recipient cannot be reached, and that is nobody's fault (see `expected`). */
  static unreachable(message: string): DeliveryError {
    return new DeliveryError(message, undefined, true, true);
  }
}

/** The longest one delivery attempt may take by default (token, request, answer). Keep it well under the outbox lease. */
export const DEFAULT_CONNECTOR_TIMEOUT_MS = 15_000;

/** The connector timeout for an outbox lease: a quarter of it, between 1 and 15 s, so a delivery ends well inside it. */
export function connectorTimeoutFor(leaseMs: number): number {
  return Math.max(1_000, Math.min(DEFAULT_CONNECTOR_TIMEOUT_MS, Math.floor(leaseMs / 4)));
}

/**
 * The real Messenger: the bot adapter's proactive continuation (Teams' connector behind it). Each call is one
 * HTTP request with a deadline (connector-request.ts): retries belong to the outbox, which records each attempt.
 */
export class AdapterMessenger implements Messenger {
  constructor(
    private readonly adapter: BotAdapter,
    private readonly botAppId: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<{ activityId: string }> {
    let activityId = '';
    await this.run(reference, async (context) => {
      const sent = await context.sendActivity(activity);
      activityId = sent?.id ?? '';
    });
    return { activityId };
  }

  async update(reference: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void> {
    await this.run(reference, async (context) => {
      await context.updateActivity({ ...activity, id: activityId, conversation: reference.conversation } as Partial<Activity>);
    });
  }

  private async run(reference: Partial<ConversationReference>, fn: (context: TurnContext) => Promise<void>): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_CONNECTOR_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    // The failure is caught inside the continuation: escaping it, it would go to the adapter's onTurnError (the
    // bot's app.error, which answers the user "something went wrong") and continueConversationAsync would resolve
    // as if the card had been delivered.
    let failure: { err: unknown } | undefined;
    // With a delivery's identity the adapter gives the turn its client for deliveries (no hidden retries), whose
    // requests the turn then bounds by this delivery's deadline (connector-request.ts).
    const attempt = this.adapter.continueConversationAsync(deliveryIdentity(this.botAppId), reference, async (context) => {
      try {
        if (!boundToDeadline(context, deadline)) throw new Error('the adapter gave this delivery a connector client that retries on its own: not sending');
        await fn(context);
      } catch (err) {
        failure = { err };
      }
    });
    // The request itself is aborted at the deadline; this bounds the rest (a token fetch that hangs). What loses
    // the race can no longer send: the turn's deadline-bound client refuses to start a request after the deadline.
    let timer: NodeJS.Timeout | undefined;
    const overall = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConnectorDeadlineError(`the delivery took longer than ${timeoutMs} ms`, true)), timeoutMs + 1_000);
    });
    attempt.catch(() => undefined);
    try {
      await Promise.race([attempt, overall]);
    } catch (err) {
      throw deliveryErrorOf(err, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    if (failure) throw deliveryErrorOf(failure.err, timeoutMs);
  }
}

/** What the outbox should do about a failed attempt: retry (when the connector says), or give up for good. */
export function deliveryErrorOf(err: unknown, timeoutMs: number, now: Date = new Date()): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { name?: string; statusCode?: number; response?: { headers?: { get?(n: string): string | null | undefined } }; message?: string };
  if (err instanceof ConnectorDeadlineError && !err.maybeSent) return new DeliveryError(err.message);
  if (err instanceof ConnectorDeadlineError || e.name === 'AbortError') {
    // The request went out and no answer came: the connector may have posted it. Retrying may show it twice; not
    // retrying may lose it. The outbox retries (README, "Running several replicas", says so).
    return new DeliveryError(`the connector did not answer within ${timeoutMs} ms (it may have received the message)`);
  }
  const status = e.statusCode;
  const header = e.response?.headers?.get?.('retry-after') ?? undefined;
  const wait = status === 429 || status === 503 ? retryAfterMs(header ?? undefined, now) : undefined;
  if (status === 429) return new DeliveryError(`throttled by the connector (429): ${e.message ?? ''}`, wait);
  if (status === 403 || status === 404) return new DeliveryError(`the conversation is gone or the bot was removed (${status})`, undefined, true);
  return new DeliveryError(`delivery failed${status ? ` (${status})` : ''}: ${e.message ?? String(err)}`, wait);
}
