import { adminNoticeDedupeKey, enqueueAdminNotice, listAdminIds } from '../notify/admin-notices';
import type { Logger } from '../observability/logger';
import type { Store } from '../store/database';
import { findOutboxDedupeKeys, listTenantIdsCreatedBefore } from '../store/digest-store';
import type { Clock } from '../time/clock';
import { monthOf } from '../reconciliation/reconciliation';
import { MONTHLY_DIGEST_NOTICE, monthRange, previousMonth } from './monthly-digest';

export interface DigestPass {
  /** The month the digests are about (YYYY-MM): the one before the clock's month. */
  month: string;
  tenants: number;
  /** Outbox rows this pass added (one per admin who had none yet). */
  enqueued: number;
}

/**
 * Queues last month's digest for every admin of every tenant, through the outbox (notify/admin-notices.ts), once the
 * month has turned. Each pass does the same thing whatever day it is: the outbox's dedupe key (notice, month, admin)
 * lets each admin have one row per month, so ticks, restarts and any number of replicas never send it twice, and a
 * server that was down on the 1st sends it when it is back. Only tenants that existed during that month get one; an
 * admin added later in the month gets it at the next pass. Passes only read once every admin has theirs.
 */
export class DigestScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: { bootstrapAdmins: readonly string[]; intervalMs: number },
  ) {}

  async runOnce(): Promise<DigestPass> {
    const now = this.clock.now();
    const month = previousMonth(monthOf(now));
    const tenants = await listTenantIdsCreatedBefore(this.store.db, monthRange(month).to);
    let enqueued = 0;
    for (const tenantId of tenants) {
      if (this.stopping) break;
      try {
        enqueued += await this.queue(tenantId, month, now);
      } catch (err) {
        // One tenant's failure never holds up the others; the next pass tries it again.
        this.logger.warn({ tenantId, month, err: (err as Error).message }, 'monthly digest: could not queue; retrying next pass');
      }
    }
    if (enqueued > 0) this.logger.info({ month, enqueued }, 'monthly digest queued for the admins');
    return { month, tenants: tenants.length, enqueued };
  }

  /** Queues the tenant's digest for its admins without one yet; a read alone when every admin has it. */
  private async queue(tenantId: string, month: string, now: Date): Promise<number> {
    const admins = await listAdminIds(this.store.db, tenantId, this.options.bootstrapAdmins);
    if (admins.length === 0) return 0;
    const keys = admins.map((a) => adminNoticeDedupeKey(MONTHLY_DIGEST_NOTICE, month, a));
    const queued = await findOutboxDedupeKeys(this.store.db, tenantId, keys);
    if (keys.every((k) => queued.has(k))) return 0;
    return this.store.inTransaction(async (tx) => {
      const adminIds = await listAdminIds(tx, tenantId, this.options.bootstrapAdmins);
      return enqueueAdminNotice(tx, { tenantId, notice: MONTHLY_DIGEST_NOTICE, key: month, adminIds, at: now.toISOString() });
    });
  }

  start(): void {
    this.stopping = false;
    const tick = () => {
      this.running = this.runOnce().catch((err: unknown) => this.logger.warn({ err }, 'monthly digest pass failed; will retry'));
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    this.stopping = true;
    if (t) clearTimeout(t);
    await this.running;
  }
}
