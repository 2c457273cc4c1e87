import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/config';
import { openStore, type Store } from '../store/database';
import { storageFailureLine } from '../store/storage-failure';
import type { Tollgate } from '../tollgate';
import type { CliContext } from './cli-context';
import { EXIT, UsageError, type CliIo } from './io';

/** The `tollgate` program with its name, description and output, before any command is added. */
export function newProgram(io: CliIo): Command {
  return new Command('tollgate')
    .description('Tollgate: Teams Audio Conferencing costs, Communications Credits and dial-out policy, from the command line.\nUses DATABASE_URL (default: sqlite:data/tollgate.db).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(run with --help for usage)');
}

/**
 * Runs the program `build` makes and returns the exit code: 0 done, 1 done but some rows were rejected, 2 bad input
 * (nothing written), 3 failure. The store is opened on first use and the services only when a command asks for
 * them, their modules loaded then: a command that needs the store alone (the export) does not load them.
 */
export async function runProgram(argv: string[], io: CliIo, build: (ctx: CliContext) => Command): Promise<number> {
  let store: Store | undefined;
  let tollgate: Tollgate | undefined;
  const openStoreOnce = async (): Promise<Store> => {
    if (store) return store;
    const config = loadConfig(io.env);
    if (!config.ok) throw new UsageError(`configuration: ${config.errors.join('; ')}`);
    store = await openStore(config.config.databaseUrl, { sqliteCheckpoint: config.config.sqliteCheckpoint });
    return store;
  };
  const open = async (): Promise<Tollgate> => {
    if (tollgate) return tollgate;
    const opened = await openStoreOnce();
    // Loaded here, not above: the services' modules are most of the CLI's start-up (require, not import(): tsx's
    // CommonJS hook compiles what require loads).
    const { createTollgate } = require('../tollgate') as typeof import('../tollgate');
    const { createLogger, silentLogger } = require('../observability/logger') as typeof import('../observability/logger');
    const { systemClock } = require('../time/clock') as typeof import('../time/clock');
    const config = loadConfig(io.env);
    const logger = io.env.LOG_LEVEL ? createLogger(io.env.LOG_LEVEL) : silentLogger;
    tollgate = createTollgate(opened, systemClock, logger, { bootstrapAdmins: config.ok ? config.config.bootstrapAdmins : [] });
    return tollgate;
  };
  let code: number = EXIT.ok;
  const setCode = (c: number) => {
    code = Math.max(code, c);
  };
  const program = build({ io, open, openStore: openStoreOnce, setCode, json: (data) => io.out(`${JSON.stringify(data, null, 2)}\n`) });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      io.err(`tollgate: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`tollgate: ${storageFailureLine(err) ?? (err as Error).message}\n`);
    return EXIT.failure;
  } finally {
    if (store) await store.close();
  }
  return code;
}
