import type { Logger } from '../observability/logger';
import type { Store } from '../store/database';
import { listTenantIdsToSync } from '../store/graph-sync-store';
import { GraphSyncError } from './graph-sync-error';
import type { PstnCallsSync } from './pstn-calls-sync';

/**
 * The server's background Graph sync: every `intervalMs`, one pass over every tenant. The next pass is scheduled
 * only when the previous one has finished, so passes never overlap in a process; across replicas each tenant's
 * lease lets one of them sync it and the others skip it for that pass. A tenant that fails is logged and tried
 * again next pass (its cursor resumes where it stopped); it never stops the others.
 */
export class BackgroundGraphSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly sync: PstnCallsSync,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** One pass over every tenant. */
  async runOnce(): Promise<void> {
    const tenants = await listTenantIdsToSync(this.store.db);
    for (const tenantId of tenants) {
      if (this.stopping.signal.aborted) return;
      try {
        const result = await this.sync.run(tenantId, { signal: this.stopping.signal });
        if (!result.ok) {
          if (result.reason === 'graph_sync_busy') this.logger.debug({ tenantId }, 'Graph sync: another run holds the tenant; skipped this pass');
          else this.logger.warn({ tenantId, reason: result.reason }, result.message);
          continue;
        }
        const s = result.value;
        this.logger.info(
          { tenantId, from: s.from, to: s.to, pages: s.pages, records: s.records, accepted: s.accepted, duplicates: s.duplicates, rejected: s.rejected.length, complete: s.complete },
          'Graph sync pass done',
        );
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        const reason = err instanceof GraphSyncError ? err.reason : 'error';
        this.logger.warn({ tenantId, reason, err: (err as Error).message }, 'Graph sync failed; it resumes where it stopped next pass');
      }
    }
  }

  start(): void {
    this.stopping = new AbortController();
    const tick = () => {
      this.running = this.runOnce().catch((err: unknown) => this.logger.warn({ err }, 'Graph sync pass failed; will retry'));
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops between pages (the cursor keeps its place) and waits for the pass to end. */
  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    this.stopping.abort();
    await this.running;
  }
}
