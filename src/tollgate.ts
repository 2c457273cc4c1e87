import { IngestKeys } from './auth/ingest-keys';
import { Directory } from './directory/directory';
import { Ledger } from './ledger/ledger';
import type { Logger } from './observability/logger';
import type { Store } from './store/database';
import type { Clock } from './time/clock';
import { Intake, type IntakeOptions } from './usage/intake';
import { MeetingQueries } from './usage/meeting-queries';

/** The services behind every surface (HTTP, CLI, and later the bot), built once over one store. */
export interface Tollgate {
  store: Store;
  clock: Clock;
  logger: Logger;
  ledger: Ledger;
  intake: Intake;
  directory: Directory;
  ingestKeys: IngestKeys;
  meetings: MeetingQueries;
}

export function createTollgate(store: Store, clock: Clock, logger: Logger, intakeOptions: IntakeOptions = {}): Tollgate {
  const ledger = new Ledger(store, clock);
  return {
    store,
    clock,
    logger,
    ledger,
    intake: new Intake(ledger, clock, logger, intakeOptions),
    directory: new Directory(store, clock),
    ingestKeys: new IngestKeys(store, clock),
    meetings: new MeetingQueries(store),
  };
}
