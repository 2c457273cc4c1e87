import type { Activity, BotAdapter, ConversationReference, TurnContext } from 'botbuilder';

/** How Tollgate speaks first: send a new activity into a stored conversation, or update one it sent before. */
export interface Messenger {
  send(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<{ activityId: string }>;
  update(reference: Partial<ConversationReference>, activityId: string, activity: Partial<Activity>): Promise<void>;
}

/** Thrown for a delivery the connector refused for now; `retryAfterMs` when it said how long to wait (429). */
export class DeliveryError extends Error {
  constructor(message: string, readonly retryAfterMs?: number, readonly permanent = false) {
    super(message);
  }
}

/** The real Messenger: the bot adapter's proactive continuation (Teams' connector behind it). */
export class AdapterMessenger implements Messenger {
  constructor(
    private readonly adapter: BotAdapter,
    private readonly botAppId: string,
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
    try {
      await this.adapter.continueConversationAsync(this.botAppId, reference, fn);
    } catch (err) {
      const e = err as { statusCode?: number; response?: { headers?: { get?(n: string): string | null } }; message?: string };
      const status = e.statusCode;
      const retryAfter = Number(e.response?.headers?.get?.('retry-after') ?? NaN);
      if (status === 429) throw new DeliveryError(`throttled by the connector: ${e.message}`, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
      if (status === 403 || status === 404) throw new DeliveryError(`the conversation is gone or the bot was removed (${status})`, undefined, true);
      throw new DeliveryError(`delivery failed: ${e.message ?? String(err)}`);
    }
  }
}
