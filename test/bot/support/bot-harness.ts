import { TestAdapter, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import { createBot, type Bot } from '../../../src/bot/bot-app';
import type { MeetingDetails, MeetingLookup } from '../../../src/bot/meeting-end';
import { AdapterMessenger } from '../../../src/notify/messenger';
import { OutboxWorker } from '../../../src/notify/outbox-worker';
import { meetingCardHandlers } from '../../../src/notify/meeting-card-delivery';
import { adminNoticeHandlers, type AdminNoticeRenderer } from '../../../src/notify/admin-notices';
import { silentLogger, type Logger } from '../../../src/observability/logger';
import type { FixedClock } from '../../../src/time/clock';
import type { Tollgate } from '../../../src/tollgate';

/** A card as the tests read it: the Adaptive Card JSON and all the text it shows. */
export interface SentCard {
  card: Record<string, unknown>;
  text: string;
  activity: Partial<Activity>;
}

/**
 * The test double of Teams' connector: TestAdapter records what the bot sends; proactive messages go through
 * continueConversationAsync, and updates through updateActivity, which both land here.
 */
export class TeamsTestAdapter extends TestAdapter {
  readonly proactive: { reference: Partial<ConversationReference>; activity: Partial<Activity>; id: string }[] = [];
  readonly updates: { activityId: string; activity: Partial<Activity> }[] = [];
  /** Set to make the next proactive deliveries fail, like a throttling or failing connector. */
  failNext: { count: number; statusCode: number } = { count: 0, statusCode: 0 };
  private nextId = 1;

  override async continueConversationAsync(
    _botAppIdOrClaims: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: ((context: TurnContext) => Promise<void>) | string,
    maybeLogic?: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic!;
    if (this.failNext.count > 0) {
      this.failNext.count -= 1;
      throw Object.assign(new Error(`connector answered ${this.failNext.statusCode}`), { statusCode: this.failNext.statusCode });
    }
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continue' }, reference, true);
    const context = new TurnContext(this, activity as Activity);
    await logic(context);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]) {
    if (context.activity.name === 'continue') {
      return activities.map((a) => {
        const id = `proactive-${this.nextId++}`;
        this.proactive.push({ reference: TurnContext.getConversationReference(context.activity), activity: a, id });
        return { id };
      });
    }
    return super.sendActivities(context, activities);
  }

  override async updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<void> {
    this.updates.push({ activityId: activity.id ?? '', activity });
  }
}

export class FakeMeetingLookup implements MeetingLookup {
  readonly meetings = new Map<string, MeetingDetails>();
  async describe(_context: TurnContext, meeting: { meetingId: string }): Promise<MeetingDetails | undefined> {
    return this.meetings.get(meeting.meetingId);
  }
}

export interface Person {
  aadObjectId: string;
  teamsId: string;
  name: string;
}

export interface Harness {
  bot: Bot;
  adapter: TeamsTestAdapter;
  lookup: FakeMeetingLookup;
  worker: OutboxWorker;
  /** Sends one activity as `from` and returns the cards (and texts) the bot answered with. */
  say(text: string, from: Person, options?: { tenantId?: string; conversationId?: string; conversationType?: string; entities?: unknown[] }): Promise<SentCard[]>;
  /** Clicks an Action.Execute: returns the card the bot answered the invoke with. */
  execute(verb: string, data: Record<string, unknown>, from: Person, options?: { tenantId?: string }): Promise<SentCard>;
  send(activity: Partial<Activity>): Promise<Partial<Activity>[]>;
}

export function cardText(card: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if ((k === 'text' || k === 'title' || k === 'value' || k === 'label' || k === 'placeholder' || k === 'errorMessage') && typeof v === 'string') parts.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  return parts.join('\n');
}

function cardsOf(activities: Partial<Activity>[]): SentCard[] {
  return activities
    .filter((a) => a.type === 'message')
    .map((a) => {
      const card = (a.attachments?.[0]?.content ?? {}) as Record<string, unknown>;
      return { card, text: a.attachments?.length ? cardText(card) : a.text ?? '', activity: a };
    });
}

export function createHarness(
  tollgate: Tollgate,
  options: { bootstrapAdmins?: string[]; adminNoticeRenderers?: Record<string, AdminNoticeRenderer>; publicBaseUrl?: string; workerLogger?: Logger } = {},
): Harness {
  let bot!: Bot;
  const adapter = new TeamsTestAdapter(async (context) => {
    await bot.app.run(context);
  });
  const lookup = new FakeMeetingLookup();
  bot = createBot({
    tollgate,
    config: { botId: '', bootstrapAdmins: options.bootstrapAdmins ?? [], publicBaseUrl: options.publicBaseUrl },
    adapter: adapter as unknown as TeamsAdapter,
    meetingLookup: lookup,
    startTypingTimer: false,
  });
  const messenger = new AdapterMessenger(adapter, '');
  const worker = new OutboxWorker(tollgate.store, tollgate.clock, options.workerLogger ?? silentLogger, {
    ...meetingCardHandlers({
      tollgate,
      commands: bot.commands,
      messenger,
      clock: tollgate.clock,
      bootstrapAdmins: options.bootstrapAdmins ?? [],
    }),
    ...adminNoticeHandlers({
      tollgate,
      messenger,
      clock: tollgate.clock,
      bootstrapAdmins: options.bootstrapAdmins ?? [],
      renderers: options.adminNoticeRenderers ?? {},
    }),
  });

  const send = async (activity: Partial<Activity>): Promise<Partial<Activity>[]> => {
    const before = adapter.activeQueue.length;
    await adapter.processActivity(activity);
    return adapter.activeQueue.splice(before);
  };

  const base = (from: Person, o: { tenantId?: string; conversationId?: string; conversationType?: string } = {}): Partial<Activity> => ({
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.invalid/',
    from: { id: from.teamsId, name: from.name, aadObjectId: from.aadObjectId },
    recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
    conversation: {
      id: o.conversationId ?? `personal-${from.aadObjectId}`,
      tenantId: o.tenantId ?? 'tenant-a',
      conversationType: o.conversationType ?? 'personal',
      isGroup: (o.conversationType ?? 'personal') !== 'personal',
      name: '',
    },
    channelData: { tenant: { id: o.tenantId ?? 'tenant-a' } },
    locale: 'en-US',
  });

  return {
    bot,
    adapter,
    lookup,
    worker,
    send,
    say: async (text, from, o = {}) => cardsOf(await send({ ...base(from, o), type: 'message', text, entities: o.entities as Activity['entities'] })),
    execute: async (verb, data, from, o = {}) => {
      const replies = await send({ ...base(from, o), type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data } } });
      const invoke = replies.find((a) => a.type === 'invokeResponse');
      const body = (invoke?.value as { body?: { value?: unknown; type?: string } } | undefined)?.body;
      const card = (body?.value ?? {}) as Record<string, unknown>;
      return { card, text: typeof body?.value === 'string' ? body.value : cardText(card), activity: invoke ?? {} };
    },
  };
}


export type { FixedClock };
