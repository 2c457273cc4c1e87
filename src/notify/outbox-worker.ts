import type { Logger } from '../observability/logger';
import type { Store } from '../store/database';
import { claimDue, markDone, markRetry, type OutboxRow } from '../store/outbox-store';
import type { Clock } from '../time/clock';
import { DeliveryError } from './messenger';

export type OutboxHandler = (row: OutboxRow, payload: unknown) => Promise<void>;

export interface OutboxWorkerOptions {
  /** How long a claim holds before another worker may take the row (a crashed worker's rows come back). */
  leaseMs?: number;
  batchSize?: number;
  maxAttempts?: number;
  pollMs?: number;
}

/**
 * Delivers outbox rows: claims due rows (any number of replicas may run one), hands each to the handler of its
 * kind, marks it done, or schedules a retry with exponential back-off (or the connector's Retry-After).
 * A row whose attempts run out is marked dead and logged, never silently dropped.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly pollMs: number;

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
  }

  /** One pass: claims and delivers what is due. Returns how many rows it handled. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    const rows = await claimDue(this.store, now.toISOString(), new Date(now.getTime() + this.leaseMs).toISOString(), this.batchSize);
    for (const row of rows) await this.deliver(row);
    return rows.length;
  }

  /** Runs until every due row is handled (tests, and draining at shutdown). */
  async drain(maxPasses = 100): Promise<void> {
    for (let i = 0; i < maxPasses; i++) if ((await this.runOnce()) === 0) return;
  }

  start(): void {
    const tick = () => {
      this.running = this.runOnce().catch((err) => {
        this.logger.warn({ err }, 'outbox pass failed; will retry');
        return 0;
      });
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.pollMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    await this.running;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const handler = this.handlers[row.kind];
    try {
      if (!handler) throw new DeliveryError(`no handler for outbox kind ${row.kind}`, undefined, true);
      await handler(row, JSON.parse(row.payload));
      await markDone(this.store.db, row, this.clock.now().toISOString());
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err));
      const dead = e.permanent || row.attempts >= this.maxAttempts;
      const backoff = e.retryAfterMs ?? Math.min(10 * 60_000, 1_000 * 2 ** Math.max(0, row.attempts - 1));
      const next = new Date(this.clock.now().getTime() + backoff).toISOString();
      await markRetry(this.store.db, row, next, e.message, dead);
      const log = { tenantId: row.tenant_id, outboxId: row.id, kind: row.kind, attempts: row.attempts, err: e.message };
      if (dead) this.logger.error(log, 'outbox message given up: it is kept as dead for an admin to see');
      else this.logger.warn({ ...log, retryInMs: backoff }, 'outbox delivery failed; retrying later');
    }
  }
}
