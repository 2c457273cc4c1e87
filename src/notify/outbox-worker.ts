import type { Logger } from '../observability/logger';
import type { Store, Tx } from '../store/database';
import { claimDue, markDoneMany, markRetry, renewClaim, type OutboxRow } from '../store/outbox-store';
import type { Clock } from '../time/clock';
import { DeliveryError } from './messenger';
import { offerOutboxTaker, onOutboxEnqueued } from './outbox-signal';
import { recordAfterSend } from './record-after-send';

/**
 * Delivers one row. `claim.deadline` (Date.now() milliseconds) is when the handler should have finished: half the
 * lease, so whatever it still has to record after a send (the activity id) fits before another worker may take the row.
 * What a send must leave in the database (the posted activity's id) the handler returns as an OutboxRecord: the
 * worker writes it in the transaction that marks the row done, retrying through a short outage until the deadline.
 */
export type OutboxHandler = (row: OutboxRow, payload: unknown, claim: OutboxClaim) => Promise<void | OutboxRecord>;

/**
 * The database write that records what a delivery did; failing, the delivery counts as failed (it is retried).
 * Either a write of its own, or an item of a write that serves all deliveries marked done together (one statement
 * for the batch instead of one per delivery: `writeAll`, the same function for every item of a kind).
 */
export type OutboxRecord = ((tx: Tx) => Promise<unknown>) | SharedOutboxRecord<unknown>;

export interface SharedOutboxRecord<T> {
  item: T;
  writeAll(tx: Tx, items: T[]): Promise<unknown>;
  /**
   * PostgreSQL: writeAll(items) and markDoneMany(rows) in one statement, resolving what markDoneMany does (the ids it
   * marked): used instead of both, in no transaction, when every record of a batch is this kind's.
   */
  writeAllMarkingDone?(tx: Tx, items: T[], rows: Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>[], at: string): Promise<Set<string>>;
}

/**
 * The records' writes and the done marks as one statement, when the records (one at least) are all shared records of
 * one kind that has writeAllMarkingDone.
 */
function markingDone(records: OutboxRecord[]): ((tx: Tx, rows: Pick<OutboxRow, 'tenant_id' | 'id' | 'attempts'>[], at: string) => Promise<Set<string>>) | undefined {
  const first = records[0];
  if (!first || typeof first === 'function' || !first.writeAllMarkingDone) return undefined;
  const items: unknown[] = [];
  for (const record of records) {
    if (typeof record === 'function' || record.writeAll !== first.writeAll || record.writeAllMarkingDone !== first.writeAllMarkingDone) return undefined;
    items.push(record.item);
  }
  const writeAllMarkingDone = first.writeAllMarkingDone;
  return (tx, rows, at) => writeAllMarkingDone(tx, items, rows, at);
}

/** Writes the records of a batch: each own write, and each shared write once with the items of its batch. */
async function writeRecords(tx: Tx, records: OutboxRecord[]): Promise<void> {
  const shared = new Map<SharedOutboxRecord<unknown>['writeAll'], unknown[]>();
  for (const record of records) {
    if (typeof record === 'function') await record(tx);
    else {
      const items = shared.get(record.writeAll);
      if (items) items.push(record.item);
      else shared.set(record.writeAll, [record.item]);
    }
  }
  for (const [writeAll, items] of shared) await writeAll(tx, items);
}

/** A delivered row waiting for the transaction that marks it done. */
interface DoneEntry {
  row: OutboxRow;
  record: OutboxRecord | undefined;
  deadline: number;
  resolve(held: boolean): void;
  reject(err: unknown): void;
}

/** The most delivered rows one transaction marks done. */
const MAX_DONE_BATCH = 100;

export interface OutboxClaim {
  deadline: number;
  /**
   * What the code that queued and handed over the row read for its delivery along with the insert (take's
   * `readAhead`); only on that first attempt, and only for that row.
   */
  readAhead?: unknown;
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
  private withdrawTaker: (() => void) | undefined;
  /** Rows this process inserted already claimed and handed over (take): delivered by lanes of their own. */
  private readonly handed: { row: OutboxRow; readAhead: unknown }[] = [];
  private handedLanes = 0;
  private readonly handedRunning = new Set<Promise<void>>();
  /** Delivered rows waiting to be marked done, all that finished meanwhile in one transaction (one commit). */
  private readonly doneQueue: DoneEntry[] = [];
  private doneFlushScheduled = false;

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
    this.withdrawTaker = offerOutboxTaker(this.store, {
      leaseUntil: () => new Date(this.clock.now().getTime() + this.leaseMs).toISOString(),
      take: (row, readAhead) => this.take(row, readAhead),
    });
    this.schedule(0);
  }

  /**
   * Delivers a row this process has just committed already claimed for this worker (enqueueClaimed with
   * leaseUntil()): at once, up to `concurrency` side by side (besides the pass's own), in the order handed over.
   */
  take(row: OutboxRow, readAhead?: unknown): void {
    // Stopped: left claimed; once its lease runs out a worker claims it again, as a crashed worker's rows.
    if (!this.started) return;
    this.handed.push({ row, readAhead });
    if (this.handedLanes >= this.concurrency) return;
    this.handedLanes += 1;
    const lane = (async () => {
      while (this.handed.length > 0) {
        const { row: next, readAhead: read } = this.handed.shift()!;
        try {
          await this.deliver(next, read);
        } catch (err) {
          // The database, not the delivery (deliver() records those): the row's lease runs out and it is retried.
          this.logger.warn({ err, tenantId: next.tenant_id, outboxId: next.id }, 'outbox delivery failed on the database; will retry');
        }
      }
    })().finally(() => {
      this.handedLanes -= 1;
      this.handedRunning.delete(lane);
    });
    this.handedRunning.add(lane);
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
    this.withdrawTaker?.();
    this.withdrawTaker = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await Promise.all(this.handedRunning);
  }

  private async deliver(row: OutboxRow, readAhead?: unknown): Promise<void> {
    // Rows wait their turn in the batch: renew the lease now (a full lease for this one delivery, which the
    // messenger's timeout keeps well inside), or skip a row another worker has taken since. A claim with three
    // quarters of its lease left (just claimed, or handed over) needs no renewal: it outlasts the deadline below by a
    // quarter lease, the messenger's whole timeout.
    const log = { tenantId: row.tenant_id, outboxId: row.id, kind: row.kind, attempts: row.attempts };
    const now = this.clock.now().getTime();
    const fresh = row.lease_until !== null && Date.parse(row.lease_until) - now >= (this.leaseMs * 3) / 4;
    if (!fresh && !(await renewClaim(this.store.db, row, new Date(now + this.leaseMs).toISOString()))) {
      this.logger.warn(log, 'outbox row was taken over by another worker before its turn: skipped');
      return;
    }
    const handler = this.handlers[row.kind];
    const deadline = Date.now() + this.leaseMs / 2;
    let held: boolean | undefined;
    try {
      if (!handler) throw new DeliveryError(`no handler for outbox kind ${row.kind}`, undefined, true);
      const record = await handler(row, JSON.parse(row.payload), readAhead === undefined ? { deadline } : { deadline, readAhead });
      // With the record written, or not at all: failing, the delivery failed (its retry cannot tell it was sent).
      if (record) held = await this.markDelivered(row, record, deadline);
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message ?? String(err));
      const dead = e.permanent || row.attempts >= this.maxAttempts;
      const backoff = e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, MAX_RETRY_AFTER_MS) : Math.min(10 * 60_000, 1_000 * 2 ** Math.max(0, row.attempts - 1));
      const next = new Date(this.clock.now().getTime() + backoff).toISOString();
      if (!(await markRetry(this.store.db, row, next, e.message, dead))) {
        this.logger.warn({ ...log, err: e.message }, 'outbox delivery failed after its lease ran out; the worker that took the row over retries it');
        return;
      }
      if (dead && e.expected) this.logger.info({ ...log, err: e.message }, 'outbox message not delivered: its recipient cannot be reached; it is kept as dead');
      else if (dead) this.logger.error({ ...log, err: e.message }, 'outbox message given up: it is kept as dead for an admin to see');
      else if (e.expected) this.logger.info({ ...log, err: e.message, retryInMs: backoff }, 'outbox message not delivered yet; retrying later');
      else this.logger.warn({ ...log, err: e.message, retryInMs: backoff }, 'outbox delivery failed; retrying later');
      return;
    }
    // Outside the try: a database failure here is not a failed delivery. The row stays claimed until its lease runs
    // out and is then delivered again (the meeting card handler then updates the card it posted, not posts again).
    if (held === undefined) held = await this.markDelivered(row, undefined, deadline);
    if (!held) this.logger.warn(log, 'outbox row delivered after its lease ran out: another worker may have delivered it too');
  }

  /**
   * Marks a delivered row done (its claim still holding: resolves whether it did), after writing its record. The
   * rows delivered meanwhile go in the same transaction: on SQLite every commit waits for an fsync, and 200 cards
   * cost 400 commits one by one.
   */
  private markDelivered(row: OutboxRow, record: OutboxRecord | undefined, deadline: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.doneQueue.push({ row, record, deadline, resolve, reject });
      if (this.doneFlushScheduled) return;
      this.doneFlushScheduled = true;
      // After this turn of the event loop: the deliveries whose answers came in with this one join the batch.
      setImmediate(() => void this.flushDone());
    });
  }

  private async flushDone(): Promise<void> {
    while (this.doneQueue.length > 0) await this.writeDone(this.doneQueue.splice(0, MAX_DONE_BATCH));
    this.doneFlushScheduled = false;
  }

  /** Settles every entry of the batch; never throws. */
  private async writeDone(batch: DoneEntry[]): Promise<void> {
    const at = this.clock.now().toISOString();
    const records = batch.flatMap((e) => (e.record ? [e.record] : []));
    const combined = this.store.engine === 'postgres' ? markingDone(records) : undefined;
    const write = async (tx: Tx) => {
      if (combined) return combined(tx, batch.map((e) => e.row), at);
      await writeRecords(tx, records);
      return markDoneMany(tx, batch.map((e) => e.row), at);
    };
    // One statement needs no transaction, nor do two on PostgreSQL (BEGIN and COMMIT would double the round trips).
    const alone = combined !== undefined || (batch.length === 1 && (!batch[0]!.record || this.store.engine === 'postgres'));
    try {
      const marked = await recordAfterSend(Math.min(...batch.map((e) => e.deadline)), () => (alone ? write(this.store.db) : this.store.inTransaction(write)));
      for (const entry of batch) entry.resolve(marked.has(entry.row.id));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One entry's record may be what failed: each on its own, so only that one fails.
      for (const entry of batch) await this.writeDone([entry]);
    }
  }
}
