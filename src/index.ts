import { loadConfig } from './config/config';
import { createLogger } from './observability/logger';
import { openStore } from './store/database';
import { systemClock } from './time/clock';
import { createTollgate } from './tollgate';
import { createServer } from './http/server';
import { DEMO_TENANT_ID, seedDemoIfEmpty } from './demo/seed-demo';
import { createAdapter, createBot } from './bot/bot-app';
import { TeamsGraphMeetingLookup } from './bot/meeting-end';
import { MsalGraphClient, noGraph } from './graph/graph-client';
import { AppTokens } from './graph/app-tokens';
import { BackgroundGraphSync } from './graph/background-sync';
import { GraphPstnCallsSource } from './graph/pstn-calls-source';
import { PstnCallsSync } from './graph/pstn-calls-sync';
import { AdapterMessenger } from './notify/messenger';
import { OutboxWorker } from './notify/outbox-worker';
import { meetingCardHandlers } from './notify/meeting-card-delivery';
import { adminNoticeHandlers, type AdminNoticeRenderer } from './notify/admin-notices';

/** Composition root: read config, open the store, build the services and the bot, start the server and the outbox. */
async function main(): Promise<void> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`tollgate: configuration: ${e}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl);
  const tollgate = createTollgate(store, systemClock, logger);
  if (config.seedDemo && (await seedDemoIfEmpty(tollgate))) {
    logger.info(`empty database: seeded the demo tenant ${DEMO_TENANT_ID} (try: npm run tollgate -- balance --tenant ${DEMO_TENANT_ID})`);
  }

  const adapter = createAdapter(config);
  // One token cache per process for every Graph use.
  const graphTokens = config.graph ? new AppTokens(config.graph) : undefined;
  const graph = config.graph ? new MsalGraphClient(config.graph, graphTokens) : noGraph;
  const bot = createBot({ tollgate, config, adapter, meetingLookup: new TeamsGraphMeetingLookup(graph) });
  const messenger = new AdapterMessenger(adapter, config.botId);
  // Cards sent to every admin on Tollgate's own initiative, by notice kind.
  const adminNoticeRenderers: Record<string, AdminNoticeRenderer> = {};
  const worker = new OutboxWorker(store, systemClock, logger, {
    ...meetingCardHandlers({ tollgate, commands: bot.commands, messenger, clock: systemClock, bootstrapAdmins: config.bootstrapAdmins }),
    ...adminNoticeHandlers({ tollgate, messenger, clock: systemClock, bootstrapAdmins: config.bootstrapAdmins, renderers: adminNoticeRenderers }),
  });

  const server = createServer(tollgate, { maxBodyBytes: config.intakeMaxBodyBytes, bot });
  server.listen(config.port, config.host, () => {
    logger.info(
      { port: config.port, host: config.host, database: store.engine, localMode: config.localMode },
      `Tollgate listening on http://${config.host}:${config.port} (bot: /api/messages${config.localMode ? ', local mode: no Bot Framework auth' : ''})`,
    );
  });
  worker.start();
  const graphSync =
    config.graph && config.graphSyncIntervalMinutes > 0
      ? new BackgroundGraphSync(store, new PstnCallsSync(tollgate, new GraphPstnCallsSource(config.graph, { tokens: graphTokens })), logger, config.graphSyncIntervalMinutes * 60_000)
      : undefined;
  if (graphSync) {
    graphSync.start();
    logger.info({ everyMinutes: config.graphSyncIntervalMinutes }, 'Graph call-record sync on');
  }

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await worker.stop();
    await graphSync?.stop();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`tollgate: cannot start: ${(err as Error).message}\n`);
  process.exit(1);
});
