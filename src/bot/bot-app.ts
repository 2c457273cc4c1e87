import { ConfigurationServiceClientCredentialFactory, CardFactory, StatusCodes, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationError, type AuthenticateRequestResult, type BotFrameworkAuthentication } from 'botframework-connector';
import { Application, TeamsAdapter, TurnState, type AdaptiveCard } from '@microsoft/teams-ai';
import type { Config } from '../config/config';
import type { Tollgate } from '../tollgate';
import { UsageReports } from '../usage/usage-report';
import type { TopSavingFinder } from '../digest/monthly-digest';
import { BotCommands, type MentionedUser, type Turn } from './bot-commands';
import { callerOf } from './caller';
import { parseCommand } from './commands/parse-command';
import { rememberConversation } from './conversation-refs';
import { isMeetingEnd, onMeetingEnd, onMeetingStart, type MeetingLookup } from './meeting-end';
import { SharedClientsAuthentication } from './connector-clients';
import { storableFields, storableOptionalText, storableText } from './activity-text';
import type { AdaptiveCardJson } from './cards/expand-card';
import { buildHelpCard } from './cards/help-card';
import { COMMAND_HELP } from './commands/command-help';
import { buildStorageFailureCard } from './cards/storage-failure-card';
import { storageFailureOf } from '../store/storage-failure';

export interface Bot {
  app: Application<TurnState>;
  adapter: TeamsAdapter;
  commands: BotCommands;
}

/**
 * The Bot Framework's endpoints and token issuers (ConfigurationBotFrameworkAuthentication's options); empty means
 * Microsoft's public cloud. Set one and set them all: another cloud, or the tests' local stand-in for its OpenID keys.
 */
export type BotFrameworkEndpoints = NonNullable<ConstructorParameters<typeof TeamsAdapter>[0]>;

/**
 * TeamsAdapter with two changes. Connector clients are kept and shared between turns (connector-clients.ts). And
 * botframework-connector lets jsonwebtoken's own errors out as they are (a signature that does not verify, a token
 * for another bot, an algorithm it does not allow, a token not valid yet), and CloudAdapter answers anything but an
 * AuthenticationError with 500 and the error's text. They are failed authentications: 401, like an unsigned request.
 */
class TollgateTeamsAdapter extends TeamsAdapter {
  constructor(...args: ConstructorParameters<typeof TeamsAdapter>) {
    super(...args);
    // Connector clients kept between turns instead of built for each (connector-clients.ts). TeamsAdapter builds
    // its BotFrameworkAuthentication itself, so it is wrapped here, before any turn runs.
    const self = this as unknown as { botFrameworkAuthentication: BotFrameworkAuthentication };
    self.botFrameworkAuthentication = new SharedClientsAuthentication(self.botFrameworkAuthentication);
  }

  protected override async processActivity(
    auth: string | AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    try {
      return await super.processActivity(auth as string, activity, logic);
    } catch (err) {
      if (err instanceof Error && (err.name === 'JsonWebTokenError' || err.name === 'NotBeforeError')) {
        throw new AuthenticationError('Unauthorized: the token is not valid.', StatusCodes.UNAUTHORIZED);
      }
      throw err;
    }
  }
}

/**
 * Bot Framework adapter for Teams. Empty BOT_ID: local mode, no Bot Framework auth (Agents Playground, tests).
 * BOT_ID set: every request to /api/messages must carry a valid Bot Framework token (unsigned or badly signed: 401).
 */
export function createAdapter(config: Pick<Config, 'botId' | 'botPassword' | 'botTenantId'>, endpoints: BotFrameworkEndpoints = {}): TeamsAdapter {
  return new TollgateTeamsAdapter(
    endpoints,
    new ConfigurationServiceClientCredentialFactory({
      MicrosoftAppId: config.botId,
      MicrosoftAppPassword: config.botPassword,
      MicrosoftAppType: config.botTenantId ? 'SingleTenant' : 'MultiTenant',
      MicrosoftAppTenantId: config.botTenantId || undefined,
    }),
  );
}

export function createBot(deps: {
  tollgate: Tollgate;
  config: Pick<Config, 'botId' | 'bootstrapAdmins' | 'publicBaseUrl'>;
  adapter: TeamsAdapter;
  meetingLookup: MeetingLookup;
  /** Off in tests: the typing indicator is a timer that outlives the turn. */
  startTypingTimer?: boolean;
  /** The advisor's top saving, for the monthly digest card; none by default. */
  topSaving?: TopSavingFinder;
}): Bot {
  const { tollgate, adapter } = deps;
  const commands = new BotCommands(tollgate, new UsageReports(tollgate.store), deps.config.bootstrapAdmins, {
    publicBaseUrl: deps.config.publicBaseUrl,
    topSaving: deps.topSaving,
  });
  // No turn state storage: Tollgate keeps no turn state. Every handler reads what it needs from the store (the
  // ledger, cards, the outbox, conversation references), which replicas share; with a storage, teams-ai would read
  // the turn's state scopes from it before every turn, a round trip for nothing (the bot benchmark's turns and
  // every meeting's end). Migration 0012 dropped the table it used.
  const app = new Application<TurnState>({
    adapter,
    botAppId: deps.config.botId || undefined,
    removeRecipientMention: true,
    startTypingTimer: deps.startTypingTimer ?? true,
  });

  const turnOf = (context: TurnContext): Turn | undefined => {
    const caller = callerOf(context.activity);
    if (!caller.tenantId) return undefined;
    return {
      caller: { ...caller, tenantId: caller.tenantId },
      mentions: mentionsOf(context),
      now: tollgate.clock.now(),
      readerId: context.activity.from?.id,
    };
  };

  const reply = async (context: TurnContext, card: AdaptiveCardJson) => {
    await context.sendActivity({ attachments: [CardFactory.adaptiveCard(card)] });
  };

  // Every activity: remember where we can speak first (installs, personal chats, group chats, channels).
  app.turn('beforeTurn', async (context) => {
    // A meeting's end remembers its chat in the transaction that queues the card (one commit, not two).
    if (isMeetingEnd(context.activity)) return true;
    try {
      await rememberConversation(tollgate.store, context.activity, tollgate.clock.now());
    } catch (err) {
      tollgate.logger.warn({ err }, 'could not store the conversation reference');
    }
    return true;
  });

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === botId);
    const turn = turnOf(context);
    if (!botAdded || !turn) return;
    const onboarding = await commands.onboardingIfUnknown(turn);
    await reply(context, onboarding ?? buildHelpCard(COMMAND_HELP, { isAdmin: await commands.isAdmin(turn) }));
  });

  const meetingDeps = { store: tollgate.store, lookup: deps.meetingLookup, logger: tollgate.logger, now: () => tollgate.clock.now() };
  app.meetings.start(async (context, _state, meeting) => {
    // Only a head start for the meeting's end: a failure here costs nothing but the end asking again.
    const result = await onMeetingStart(meetingDeps, context, meeting).catch((err: unknown) => {
      tollgate.logger.warn({ err }, 'could not look up a starting meeting: its end will');
      return 'failed' as const;
    });
    tollgate.logger.info({ result }, 'meeting started');
  });

  app.meetings.end(async (context, _state, meeting) => {
    const result = await onMeetingEnd(meetingDeps, context, meeting);
    tollgate.logger.info({ result }, 'meeting ended');
  });

  // Universal Actions: refresh buttons, forms, "show meeting". The tenant and user still come from the activity.
  app.adaptiveCards.actionExecute<Record<string, unknown>>(/.*/, async (context, _state, data) => {
    const turn = turnOf(context);
    const verb = (context.activity.value as { action?: { verb?: string } } | undefined)?.action?.verb ?? '';
    if (!turn) return 'Tollgate needs a Teams tenant to answer.';
    return (await commands.action(storableText(String(verb)), storableFields(data), turn)) as unknown as AdaptiveCard;
  });

  // Every message is a command (with or without "/"); the parser decides, the fallback is its "unknown".
  app.activity('message', async (context) => {
    const turn = turnOf(context);
    if (!turn) {
      await context.sendActivity('Tollgate works inside a Microsoft Teams tenant: add it in Teams to chat with it.');
      return;
    }
    const text = typeof context.activity.text === 'string' ? storableText(context.activity.text) : '';
    const command = parseCommand(text, { locale: turn.caller.locale });
    await reply(context, await commands.handle(command, turn));
  });

  app.error(async (context, error) => {
    const failure = storageFailureOf(error);
    if (failure) {
      // The database is down, full or read-only: the turn's transaction rolled back; say so on a card.
      tollgate.logger.warn({ code: failure.code, kind: failure.kind, err: error.message }, 'bot turn failed on the database');
      await reply(context, buildStorageFailureCard(failure));
      return;
    }
    tollgate.logger.error({ err: error }, 'bot turn failed');
    await context.sendActivity('Sorry, something went wrong on our side. Nothing was changed; please try again in a moment.');
  });

  return { app, adapter, commands };
}

/** Other people mentioned in the message (the bot's own mention is not one of them). */
function mentionsOf(context: TurnContext): MentionedUser[] {
  const botId = context.activity.recipient?.id;
  return (context.activity.entities ?? [])
    .filter((e) => e.type === 'mention')
    .map((e) => (e as unknown as { mentioned?: { id?: string; name?: string; aadObjectId?: string }; text?: string }))
    .filter((e) => e.mentioned && e.mentioned.id !== botId)
    .map((e) => ({
      name: (storableOptionalText(e.mentioned!.name) ?? '').trim(),
      text: (storableOptionalText(e.text) ?? '').replace(/<\/?at>/g, '').trim(),
      id: storableOptionalText(e.mentioned!.id),
      aadObjectId: storableOptionalText(e.mentioned!.aadObjectId) ?? (isGuid(e.mentioned!.id) ? e.mentioned!.id : undefined),
    }));
}

function isGuid(s: string | undefined): s is string {
  return !!s && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
