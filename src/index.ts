import { loadConfig } from './config/config';
import { createLogger } from './observability/logger';
import { openStore } from './store/database';
import { systemClock } from './time/clock';
import { createTollgate } from './tollgate';
import { createServer } from './http/server';
import { seedDemoIfEmpty } from './demo/seed-demo';

/** Composition root: read config, open the store, build the services, start the server. */
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
    logger.info('empty database: seeded the demo tenant "demo-tenant" (try: npm run tollgate -- balance --tenant demo-tenant)');
  }
  const server = createServer(tollgate, { maxBodyBytes: config.intakeMaxBodyBytes });
  server.listen(config.port, config.host, () => {
    logger.info({ port: config.port, host: config.host, database: store.engine, localMode: config.localMode }, `Tollgate listening on http://${config.host}:${config.port}`);
  });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
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
