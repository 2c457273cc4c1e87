import { IngestKeys } from './auth/ingest-keys';
import { Directory } from './directory/directory';
import { FraudAdmin } from './fraud/fraud-admin';
import { FraudGuard } from './fraud/fraud-guard';
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
  /** The toll-fraud guard's settings, block list and incidents (the guard itself runs inside intake). */
  fraud: FraudAdmin;
}

export interface TollgateOptions extends IntakeOptions {
  /** TOLLGATE_ADMINS: they get the toll-fraud incident cards too. */
  bootstrapAdmins?: readonly string[];
  /** false: intake runs without the toll-fraud guard (the benchmark's comparison run). Default on. */
  fraudGuard?: boolean;
}

export function createTollgate(store: Store, clock: Clock, logger: Logger, intakeOptions: TollgateOptions = {}): Tollgate {
  const ledger = new Ledger(store, clock);
  const guard = intakeOptions.fraudGuard === false ? undefined : new FraudGuard(store, logger, { bootstrapAdmins: intakeOptions.bootstrapAdmins });
  return {
    store,
    clock,
    logger,
    ledger,
    intake: new Intake(ledger, clock, logger, { ...intakeOptions, onSettled: intakeOptions.onSettled ?? guard?.onSettled }),
    directory: new Directory(store, clock),
    ingestKeys: new IngestKeys(store, clock),
    meetings: new MeetingQueries(store),
    fraud: new FraudAdmin(store, clock),
  };
}
