import restify from 'restify';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';

/**
 * The anchor of the bot benchmarks: a bare botbuilder bot (CloudAdapter + ActivityHandler on restify, no app id,
 * like Tollgate in local mode) that answers every message with its text and every event with a line, through the
 * same fake connector. Run as its own process: `node -r tsx/cjs bench/support/echo-bot.ts` with PORT set.
 */
const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context: TurnContext, next) => {
      await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
      await next();
    });
    this.onEvent(async (context: TurnContext, next) => {
      await context.sendActivity(`event: ${context.activity.name ?? ''}`);
      await next();
    });
  }
}

const bot = new EchoBot();
const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
server.get('/healthz', (_req, res, next) => {
  res.send(200, { status: 'ok' });
  next();
});
server.post('/api/messages', restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }), (req, res, next) => {
  adapter.process(req as never, res as never, (context) => bot.run(context)).then(
    () => next(false),
    (err) => next(err),
  );
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
