import { loadConfig } from './config/config';
import { createLogger } from './observability/logger';
import { openStore } from './store/database';
import { storageFailureLine } from './store/storage-failure';
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
import { AdapterMessenger, connectorTimeoutFor } from './notify/messenger';
import { OutboxWorker } from './notify/outbox-worker';
import { meetingCardHandlers } from './notify/meeting-card-delivery';
import { adminNoticeHandlers, type AdminNoticeRenderer } from './notify/admin-notices';
import { MONTHLY_DIGEST_NOTICE, MonthlyDigests, type TopSavingFinder } from './digest/monthly-digest';
import { Advisor } from './advisor/advisor';
import { monthlyDigestRenderer } from './digest/digest-notice';
import { DigestScheduler } from './digest/digest-scheduler';
import { UsageReports } from './usage/usage-report';
import { FRAUD_INCIDENT_NOTICE } from './fraud/fraud-guard';
import { LEDGER_ALERT_NOTICE } from './alerts/ledger-alerts';
import { ledgerAlertRenderer } from './alerts/alert-notices';

/** Composition root: read config, open the store, build the services and the bot, start the server and the outbox. */
async function main(): Promise<void> {
  const loaded = loadConfig();
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(`tollgate: configuration: ${e}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  const logger = createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl, { maxConnections: config.databasePoolMax, sqliteCheckpoint: config.sqliteCheckpoint });
  const tollgate = createTollgate(store, systemClock, logger, { bootstrapAdmins: config.bootstrapAdmins });
  if (config.seedDemo && (await seedDemoIfEmpty(tollgate))) {
    logger.info(`empty database: seeded the demo tenant ${DEMO_TENANT_ID} (try: npm run tollgate -- balance --tenant ${DEMO_TENANT_ID})`);
  }

  const adapter = createAdapter(config);
  // One token cache per process for every Graph use.
  const graphTokens = config.graph ? new AppTokens(config.graph) : undefined;
  const graph = config.graph ? new MsalGraphClient(config.graph, graphTokens) : noGraph;
  // The monthly digest's "top saving" line, for the card sent on the 1st and the digest command alike: the license
  // advisor's best switch over the last three months, when there is one.
  const advisor = new Advisor(store, systemClock);
  const topSaving: TopSavingFinder = (tenantId, now) => advisor.topSaving(tenantId, now);
  const bot = createBot({ tollgate, config, adapter, meetingLookup: new TeamsGraphMeetingLookup(graph), topSaving });
  const messenger = new AdapterMessenger(adapter, config.botId, { timeoutMs: connectorTimeoutFor(config.outboxLeaseMs) });
  // Cards sent to every admin on Tollgate's own initiative, by notice kind.
  const adminNoticeRenderers: Record<string, AdminNoticeRenderer> = {
    [MONTHLY_DIGEST_NOTICE]: monthlyDigestRenderer(new MonthlyDigests(store, new UsageReports(store), topSaving)),
    [FRAUD_INCIDENT_NOTICE]: (tenantId, incidentId, ctx) => bot.commands.fraud.incidentCard(tenantId, incidentId, ctx),
    [LEDGER_ALERT_NOTICE]: ledgerAlertRenderer(store),
  };
  const worker = new OutboxWorker(store, systemClock, logger, {
    ...meetingCardHandlers({ tollgate, commands: bot.commands, messenger, clock: systemClock, bootstrapAdmins: config.bootstrapAdmins }),
    ...adminNoticeHandlers({ tollgate, messenger, clock: systemClock, bootstrapAdmins: config.bootstrapAdmins, renderers: adminNoticeRenderers }),
  }, { leaseMs: config.outboxLeaseMs });

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
  const digests =
    config.monthlyDigestCheckMinutes > 0
      ? new DigestScheduler(store, systemClock, logger, { bootstrapAdmins: config.bootstrapAdmins, intervalMs: config.monthlyDigestCheckMinutes * 60_000 })
      : undefined;
  digests?.start();

  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await worker.stop();
    await graphSync?.stop();
    await digests?.stop();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`tollgate: cannot start: ${storageFailureLine(err) ?? (err as Error).message}\n`);
  process.exit(1);
});
