import { LedgerAlerts } from './alerts/ledger-alerts';
import { IngestKeys } from './auth/ingest-keys';
import { Directory } from './directory/directory';
import { FraudAdmin } from './fraud/fraud-admin';
import { FraudGuard } from './fraud/fraud-guard';
import { Ledger } from './ledger/ledger';
import type { Logger } from './observability/logger';
import type { Store } from './store/database';
import type { GuardDayFigures } from './store/spend-rollup-store';
import type { Clock } from './time/clock';
import { Intake, type IntakeOptions, type SettledLegsHook } from './usage/intake';
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
  /** TOLLGATE_ADMINS: they get the toll-fraud incident cards and the admin alerts too. */
  bootstrapAdmins?: readonly string[];
  /** false: intake runs without the toll-fraud guard (the benchmark's comparison run). Default on. */
  fraudGuard?: boolean;
  /** false: no admin alerts (low balance, zero, auto-recharge, pool 80/100 %, anomaly legs). Default on. */
  ledgerAlerts?: boolean;
}

export function createTollgate(store: Store, clock: Clock, logger: Logger, intakeOptions: TollgateOptions = {}): Tollgate {
  const alerts = intakeOptions.ledgerAlerts === false ? undefined : new LedgerAlerts(logger, { bootstrapAdmins: intakeOptions.bootstrapAdmins });
  const ledger = new Ledger(store, clock, alerts?.afterBook);
  const guard = intakeOptions.fraudGuard === false ? undefined : new FraudGuard(store, logger, { bootstrapAdmins: intakeOptions.bootstrapAdmins });
  // A caller's own hook (the fraud benchmark's timed guard) stands in for the guard; the alerts run either way.
  const hooks = [intakeOptions.onSettled ?? guard?.onSettled, alerts?.onSettled].filter((h): h is SettledLegsHook => h !== undefined);
  const onSettled: SettledLegsHook | undefined =
    hooks.length <= 1
      ? hooks[0]
      : async (...args) => {
          const organizerDays: GuardDayFigures[] = [];
          for (const hook of hooks) organizerDays.push(...((await hook(...args))?.organizerDays ?? []));
          return { organizerDays };
        };
  return {
    store,
    clock,
    logger,
    ledger,
    // The guard's read ahead of rating only serves its own onSettled: a caller's stand-in brings its own, or none.
    intake: new Intake(ledger, clock, logger, { ...intakeOptions, onSettled, beforeRating: intakeOptions.onSettled ? intakeOptions.beforeRating : guard?.beforeRating }),
    directory: new Directory(store, clock),
    ingestKeys: new IngestKeys(store, clock),
    meetings: new MeetingQueries(store),
    fraud: new FraudAdmin(store, clock),
  };
}
