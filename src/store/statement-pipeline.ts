import type { Engine } from './database';

/**
 * Writes of one transaction sent without waiting for each one's answer, so that this process builds the next
 * statement's data (COPY text, JSON parameters) while the server runs the one before, instead of the two taking
 * turns. Order is kept: a sent statement reaches Kysely's transaction connection at once, which runs its queries
 * one after the other in the order they came, and pg's client queues them in that order too; a statement sent or
 * run later sees what the earlier ones wrote.
 *
 * Failures: once a statement fails, PostgreSQL refuses every later one of the transaction ("current transaction is
 * aborted"). The caller must see the first failure, in statement order (intake's retry looks for the legs' primary
 * key), and the transaction must not roll back while a sent statement is still queued: Kysely's rollback goes to the
 * connection directly, past its queue, and a statement queued behind it would run outside the transaction. So
 * run() settles every sent statement before it returns or throws, and no sent statement's rejection goes unhandled.
 *
 * What it does not do: put statements on the wire together. pg sends a queued statement only once this process has
 * handled the answer to the one before (pg's _pulseQueryQueue), so while this process works between two statements
 * the server waits; the two overlap only inside one long statement (hence intake's legs go out as a COPY that runs
 * while the chunk is rated, and the fraud guard's read is sent before it: leg-store.ts openLegWriter, FraudGuard).
 *
 * SQLite runs each statement at once, as before: its driver is synchronous, there is nothing to overlap.
 */
export class StatementPipeline {
  private readonly sent: Promise<unknown>[] = [];

  constructor(private readonly engine: Engine) {}

  /**
   * Starts `statement`, which must start its (first) query before it first awaits, so that queries go out in the
   * order they were sent. On PostgreSQL it is not waited for here; run() waits for it.
   */
  async send(statement: () => Promise<unknown>): Promise<void> {
    if (this.engine !== 'postgres') {
      await statement();
      return;
    }
    const answer = statement();
    answer.catch(() => undefined); // observed by run(); not an unhandled rejection meanwhile
    this.sent.push(answer);
  }

  /**
   * Runs `work` (which sends statements), then waits for every statement sent. Throws the first sent statement's
   * failure when there is one, else what `work` threw; either way only once every sent statement has settled.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      const failure = await this.firstFailure();
      throw failure ? failure.error : err;
    }
    const failure = await this.firstFailure();
    if (failure) throw failure.error;
    return result;
  }

  /** Settles every statement sent; the first failure among them in statement order, if any. */
  private async firstFailure(): Promise<{ error: unknown } | undefined> {
    const outcomes = await Promise.allSettled(this.sent.splice(0));
    for (const o of outcomes) if (o.status === 'rejected') return { error: o.reason };
    return undefined;
  }
}
