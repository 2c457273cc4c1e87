import { randomUUID } from 'node:crypto';
import { failure, ok, type Outcome } from '../outcome';
import {
  findGraphSyncCursor,
  releaseGraphSyncLease,
  saveGraphSyncProgress,
  takeGraphSyncLease,
  type GraphSyncCursor,
  type GraphSyncProgress,
} from '../store/graph-sync-store';
import { findTenant } from '../store/tenant-store';
import type { Tollgate } from '../tollgate';
import { addSummaries, emptySummary, type IntakeSummary } from '../usage/intake';
import { DEFAULT_RETRY_POLICY, getPageWithRetries, realSleep, type RetryPolicy, type Sleep } from './graph-retry';
import { GraphSyncError } from './graph-sync-error';
import type { PstnCallsSource } from './pstn-calls-source';
import { syncWindows, type SyncWindow } from './sync-windows';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PstnCallsSyncOptions {
  retry?: Partial<RetryPolicy>;
  /** How long a run holds the tenant without showing signs of life (a killed run's lease runs out after this). */
  leaseMs?: number;
  /** The first run without a range goes this far back. */
  firstSyncDays?: number;
  /**
   * A run without a range starts this long before where the last one ended: Graph lists a call by its start time,
   * and a call only appears once it is over (and Microsoft's records lag), so a call that started just before the
   * last run may appear only now. What is read twice comes back as duplicates, never charged twice.
   */
  overlapMs?: number;
  sleep?: Sleep;
}

export interface SyncRequest {
  /** Both default: a stopped run resumes; otherwise from where the last run ended (or firstSyncDays back) to now. */
  from?: Date;
  to?: Date;
  /** Stops the run between pages (server shutdown); the cursor keeps its place. */
  signal?: AbortSignal;
  onPage?(progress: SyncProgress): void;
}

export interface SyncSummary extends IntakeSummary {
  tenantId: string;
  from: string;
  to: string;
  /** Windows of at most 90 days the range is split into. */
  windows: number;
  pages: number;
  records: number;
  /** This run continued a stopped one at its window and page. */
  resumed: boolean;
  /** The whole range was read; false when stopped (signal) or failed. */
  complete: boolean;
}

export interface SyncProgress {
  window: { index: number; count: number; from: string; to: string };
  /** Pages of this window read so far in this run. */
  page: number;
  summary: SyncSummary;
}

interface Plan {
  rangeFrom: Date;
  rangeTo: Date;
  window: SyncWindow;
  nextLink: string | null;
  resumed: boolean;
}

/**
 * Imports a tenant's PSTN call records from Graph getPstnCalls into Tollgate: the range split into windows of at
 * most 90 days, every page followed, each page validated and settled through the intake (a row already imported,
 * by id, is a duplicate and never charged twice). The tenant's cursor in the database says which window and page
 * come next; it advances only after a page's legs are committed, so a run that stops (error, kill, shutdown)
 * resumes exactly there, and a page read twice costs nothing. A lease on the cursor row keeps two runs (replicas,
 * the CLI and the server) from syncing one tenant at once.
 */
export class PstnCallsSync {
  private readonly retry: RetryPolicy;
  private readonly leaseMs: number;
  private readonly firstSyncDays: number;
  private readonly overlapMs: number;
  private readonly sleep: Sleep;

  constructor(
    private readonly tollgate: Tollgate,
    private readonly source: PstnCallsSource,
    options: PstnCallsSyncOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.leaseMs = options.leaseMs ?? 2 * 60_000;
    this.firstSyncDays = options.firstSyncDays ?? 7;
    this.overlapMs = options.overlapMs ?? 2 * DAY_MS;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Runs (or resumes) a sync of one tenant. Outcomes: the summary; unknown_tenant; graph_sync_busy (another run
   * holds the tenant); bad_range. Throws GraphSyncError (with `partial`) when Graph fails beyond the retries.
   */
  async run(tenantId: string, request: SyncRequest = {}): Promise<Outcome<SyncSummary>> {
    const db = this.tollgate.store.db;
    if (!(await findTenant(db, tenantId))) return failure('unknown_tenant');
    const owner = randomUUID();
    const started = this.now();
    if (!(await takeGraphSyncLease(db, tenantId, owner, iso(started), iso(this.later(this.leaseMs))))) {
      const holder = await findGraphSyncCursor(db, tenantId);
      return failure(
        'graph_sync_busy',
        `A Graph sync of tenant ${tenantId} is already running${holder?.lease_until ? ` (it holds the tenant until ${holder.lease_until} unless it shows signs of life)` : ''}; try again later.`,
      );
    }
    const save = async (progress: GraphSyncProgress, busyForMs = this.leaseMs): Promise<void> => {
      if (!(await saveGraphSyncProgress(db, tenantId, owner, progress, iso(this.now()), iso(this.later(busyForMs))))) {
        throw new GraphSyncError('graph_sync_lease_lost', `another sync took over tenant ${tenantId} (this one was silent longer than its lease)`);
      }
    };

    let summary: SyncSummary | undefined;
    try {
      const cursor = (await findGraphSyncCursor(db, tenantId))!;
      const planned = this.plan(cursor, request, started);
      if (!planned.ok) return planned;
      const plan = planned.value;
      // Windows run from the range's start in 90-day steps; a resumed run that reads on to now adds some at the end.
      const windowIndex = (w: SyncWindow) => syncWindows(plan.rangeFrom, w.from).length + 1;
      const windowCount = (w: SyncWindow) => windowIndex(w) + syncWindows(w.to, plan.rangeTo).length;
      summary = {
        ...emptySummary(),
        tenantId,
        from: iso(plan.rangeFrom),
        to: iso(plan.rangeTo),
        windows: windowCount(plan.window),
        pages: 0,
        records: 0,
        resumed: plan.resumed,
        complete: false,
      };
      await save({
        range_from: iso(plan.rangeFrom),
        range_to: iso(plan.rangeTo),
        window_from: iso(plan.window.from),
        window_to: iso(plan.window.to),
        next_link: plan.nextLink,
      });
      if (plan.resumed) {
        this.tollgate.logger.info({ tenantId, window: iso(plan.window.from), nextLink: plan.nextLink !== null }, 'Graph sync resumes a stopped run');
      }

      let window = plan.window;
      let url = plan.nextLink ?? this.source.firstPageUrl(window);
      let fromStoredLink = plan.nextLink !== null;
      let windowPage = 0;
      for (;;) {
        if (request.signal?.aborted) break;
        let page;
        try {
          page = await getPageWithRetries(this.source, tenantId, url, {
            policy: this.retry,
            sleep: this.sleep,
            now: () => this.now(),
            signal: request.signal,
            keepAlive: (busyForMs) => save({}, busyForMs + this.leaseMs),
            onRetry: (r) => this.tollgate.logger.warn({ tenantId, attempt: r.attempt, status: r.status, waitMs: r.waitMs, err: r.error }, 'Graph getPstnCalls: retrying'),
          });
        } catch (err) {
          if (request.signal?.aborted) break;
          // A next link kept from a run long ago may have expired: read the window again from its first page.
          if (fromStoredLink && err instanceof GraphSyncError && err.reason === 'graph_refused') {
            this.tollgate.logger.warn({ tenantId, err: err.message }, 'Graph refused the stored next page; reading its window again from the start');
            url = this.source.firstPageUrl(window);
            fromStoredLink = false;
            continue;
          }
          throw err;
        }
        fromStoredLink = false;

        const pageSummary = await this.settle(tenantId, page.rows);
        summary = { ...summary, ...addSummaries(summary, pageSummary), pages: summary.pages + 1, records: summary.records + page.rows.length };
        windowPage += 1;

        // The legs are committed: only now does the cursor move past this page.
        const current = window;
        const progress = (): SyncProgress => ({
          window: { index: windowIndex(current), count: windowCount(current), from: iso(current.from), to: iso(current.to) },
          page: windowPage,
          summary: summary!,
        });
        if (page.nextLink) {
          await save({ next_link: page.nextLink });
          request.onPage?.(progress());
          url = page.nextLink;
          continue;
        }
        const following = syncWindows(window.to, plan.rangeTo)[0];
        if (following) {
          await save({ window_from: iso(following.from), window_to: iso(following.to), next_link: null });
          request.onPage?.(progress());
          window = following;
          url = this.source.firstPageUrl(window);
          windowPage = 0;
          continue;
        }
        await save({ window_from: null, window_to: null, next_link: null, last_error: null, synced_to: syncedTo(cursor.synced_to, plan) });
        summary.complete = true;
        request.onPage?.(progress());
        break;
      }
      return ok(summary);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      await saveGraphSyncProgress(db, tenantId, owner, { last_error: message.slice(0, 1000) }, iso(this.now()), iso(this.now())).catch(() => undefined);
      if (err instanceof GraphSyncError) err.partial = summary;
      throw err;
    } finally {
      await releaseGraphSyncLease(db, tenantId, owner, iso(this.now())).catch((err: unknown) =>
        this.tollgate.logger.warn({ tenantId, err }, 'could not release the Graph sync lease; it runs out by itself'),
      );
    }
  }

  /** Which range, window and page: a stopped run of the same range resumes, anything else starts afresh. */
  private plan(cursor: GraphSyncCursor, request: SyncRequest, now: Date): Outcome<Plan> {
    const stopped =
      cursor.window_from !== null && cursor.window_to !== null && cursor.range_from !== null && cursor.range_to !== null
        ? { rangeFrom: new Date(cursor.range_from), rangeTo: new Date(cursor.range_to), window: { from: new Date(cursor.window_from), to: new Date(cursor.window_to) } }
        : undefined;
    // Nothing is synced from the future: it is not there yet, and the next run must not skip it.
    const to = request.to && request.to < now ? request.to : now;
    if (stopped) {
      const sameStart = request.from === undefined || request.from.getTime() === stopped.rangeFrom.getTime();
      const sameEnd = request.to === undefined || to.getTime() === stopped.rangeTo.getTime();
      if (sameStart && sameEnd) {
        // Without an explicit end the resumed run also reads up to now.
        const rangeTo = request.to === undefined && to > stopped.rangeTo ? to : stopped.rangeTo;
        return ok({ rangeFrom: stopped.rangeFrom, rangeTo, window: stopped.window, nextLink: cursor.next_link, resumed: true });
      }
    }
    const from =
      request.from ?? (cursor.synced_to ? new Date(new Date(cursor.synced_to).getTime() - this.overlapMs) : new Date(now.getTime() - this.firstSyncDays * DAY_MS));
    if (!(from < to)) {
      return failure('bad_range', `Nothing to sync: the start ${iso(from)} is not before the end ${iso(to)} (the end is at most now).`);
    }
    return ok({ rangeFrom: from, rangeTo: to, window: syncWindows(from, to)[0]!, nextLink: null, resumed: false });
  }

  private async settle(tenantId: string, rows: unknown[]): Promise<IntakeSummary> {
    const { records, rejected } = this.tollgate.intake.validate(rows);
    const settled = await this.tollgate.intake.settle(tenantId, records);
    if (!settled.ok) throw new Error(`cannot settle Graph call records for tenant ${tenantId}: ${settled.message}`);
    const all = rejected.concat(settled.value.rejected);
    if (all.length > 0) {
      this.tollgate.logger.warn(
        { tenantId, rejected: all.length, examples: all.slice(0, 5).map((r) => ({ id: r.id, reason: r.reason, message: r.message })) },
        'Graph call records rejected',
      );
    }
    return { ...settled.value, rejected: all };
  }

  private now(): Date {
    return this.tollgate.clock.now();
  }

  private later(ms: number): Date {
    return new Date(this.now().getTime() + ms);
  }
}

/** The cursor's end moves only over time read without a gap since it. */
function syncedTo(previous: string | null, plan: Plan): string | null {
  const end = iso(plan.rangeTo);
  if (previous === null) return end;
  if (iso(plan.rangeFrom) <= previous && end > previous) return end;
  return previous;
}

function iso(date: Date): string {
  return date.toISOString();
}
