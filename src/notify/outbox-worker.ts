import type { Logger } from '../observability/logger';
import type { Store } from '../store/database';
import { claimDue, markDone, markRetry, renewClaim, type OutboxRow } from '../store/outbox-store';
import type { Clock } from '../time/clock';
import { DeliveryError } from './messenger';
import { onOutboxEnqueued } from './outbox-signal';

/**
 * Delivers one row. `claim.deadline` (Date.now() milliseconds) is when the handler should have finished: half the
 * lease, so whatever it still has to record after a send (the activity id) fits before another worker may take the row.
 */
export type OutboxHandler = (row: OutboxRow, payload: unknown, claim: OutboxClaim) => Promise<void>;

export interface OutboxClaim {
  deadline: number;
}

/** A Retry-After longer than this is cut to it (a connector's answer should not park a card for days). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

export interface OutboxWorkerOptions {
  /** How long a claim holds before another worker may take the row (a crashed worker's rows come back). */
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  pollMs?: number;
  /** Rows of one claimed batch delivered at once (default 8): one slow connector answer does not hold the rest. */
  concurrency?: number;
}

/**
 * Delivers outbox rows: claims due rows (any number of replicas may run one), hands each to the handler of its
 * kind, marks it done, or schedules a retry with exponential back-off (or the connector's Retry-After).
 * A row whose attempts run out is marked dead and logged, never silently dropped.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private started = false;
  /** A wake-up came while a pass was running: run another as soon as it ends. */
  private wokenDuringPass = false;
  private unsubscribe: (() => void) | undefined;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly handlers: Record<string, OutboxHandler>,
    options: OutboxWorkerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batchSize = options.batchSize ?? 20;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.pollMs = options.pollMs ?? 1_000;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /** One pass: claims and delivers what is due. Returns how many rows it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const rows = await claimDue(this.store, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), this.batchSize);
    // Up to `concurrency` deliveries in flight; each lane takes the next row when its last is done. A lane that
    // fails (the database, not a delivery: deliver() records those) stops; the others finish before the pass fails.
    let next = 0;
    const lane = async () => {
      while (next < rows.length) await this.deliver(rows[next++]!);
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(this.concurrency, rows.length) }, lane));
    const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
    if (failed) throw failed.reason;
    return rows.length;
  }

  /** Runs until every due row is handled (tests, and draining at shutdown). */
  async drain(maxPasses = 100): Promise<void> {
    for (let i = 0; i < maxPasses; i++) if ((await this.runOnce()) === 0) return;
  }

  /**
   * Polls every pollMs. Besides: a pass that claimed a full batch is followed by the next at once (a backlog, say
   * 200 meetings ending together, drains at delivery speed, not a batch a poll), and outboxEnqueued(store) from this
   * process (outbox-signal.ts) starts a pass at once, or right after the one running.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = onOutboxEnqueued(this.store, () => this.wake());
    this.schedule(0);
  }

  /** Delivers due rows now instead of at the next poll (no-op when stopped). */
  wake(): void {
    if (!this.started) return;
    if (this.running) this.wokenDuringPass = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    this.wokenDuringPass = false;
    const pass = this.runOnce().catch((err) => {
      this.logger.warn({ err }, 'outbox pass failed; will retry');
      return 0;
    });
    this.running = pass;
    void pass.then((handled) => {
      this.running = undefined;
      if (!this.started) return;
      this.schedule(handled >= this.batchSize || this.wokenDuringPass ? 0 : this.pollMs);
    });
  }

  async stop(): Promise<void> {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    // Rows wait their turn in the batch: renew the lease now (a full lease for this one delivery, which the
    // messenger's timeout keeps well inside), or skip a row another worker has taken since.
    const log = { tenantId: row.tenant_id, outboxId: row.id, kind: row.kind, attempts: row.attempts };
    if (!(await renewClaim(this.store.db, row, new Date(this.clock.now().getTime() + this.leaseMs).toISOString()))) {
      this.logger.warn(log, 'outbox row was taken over by another worker before its turn: skipped');
      return;
    }
    const handler = this.handlers[row.kind];
    try {
      if (!handler) throw new DeliveryError(`no handler for outbox kind ${row.kind}`, undefined, true);
      await handler(row, JSON.parse(row.payload), { deadline: Date.now() + this.leaseMs / 2 });
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err));
      const dead = e.permanent || row.attempts >= this.maxAttempts;
      const backoff = e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, MAX_RETRY_AFTER_MS) : Math.min(10 * 60_000, 1_000 * 2 ** Math.max(0, row.attempts - 1));
      const next = new Date(this.clock.now().getTime() + backoff).toISOString();
      if (!(await markRetry(this.store.db, row, next, e.message, dead))) {
        this.logger.warn({ ...log, err: e.message }, 'outbox delivery failed after its lease ran out; the worker that took the row over retries it');
        return;
      }
      if (dead) this.logger.error({ ...log, err: e.message }, 'outbox message given up: it is kept as dead for an admin to see');
      else this.logger.warn({ ...log, err: e.message, retryInMs: backoff }, 'outbox delivery failed; retrying later');
      return;
    }
    // Outside the try: a database failure here is not a failed delivery. The row stays claimed until its lease runs
    // out and is then delivered again (the meeting card handler then updates the card it posted, not posts again).
    if (!(await markDone(this.store.db, row, this.clock.now().toISOString()))) {
      this.logger.warn(log, 'outbox row delivered after its lease ran out: another worker may have delivered it too');
    }
  }
}
