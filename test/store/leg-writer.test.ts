import { sql } from 'kysely';
import { describeEachEngine, freshStore } from '../support/engines';
import type { Store, Tx } from '../../src/store/database';
import { isStoredLegKey, LEG_COLUMNS, openLegWriter, type LegRow } from '../../src/store/leg-store';
import { RowStream } from '../../src/store/pg-copy';
import { StatementPipeline } from '../../src/store/statement-pipeline';

/**
 * openLegWriter, where intake puts a chunk's legs as it rates them: on PostgreSQL a COPY that runs while the rows are
 * still being made (RowStream), on SQLite inserts at close(). Every leg comes back as it went in, with the spend
 * rollup (addToSpendRollup, after close()); a leg the table refuses or a writer abandoned half-way leaves nothing behind, fails the transaction with
 * the right error, and leaves the connection fit for the next one.
 */

const TENANT = 'tenant-leg-writer';

function legRow(n: number, fields: Partial<LegRow> = {}): LegRow {
  return {
    tenant_id: TENANT,
    id: `leg-${n}`,
    call_id: `call-${n}`,
    call_type: n % 2 === 0 ? 'conf_out' : 'conf_in',
    status: 'rated',
    conference_id: `conf-${n % 7}`,
    organizer_id: `org-${n % 3}`,
    organizer_upn: `org${n % 3}@example.com`,
    organizer_name: `Organizer ${n % 3}\twith a tab`,
    callee_number: '+442071234567',
    caller_number: n % 5 === 0 ? null : '+12065550100',
    toll_free: 0,
    destination_country: 'GB',
    start_at: `2026-11-15T10:${String(n % 60).padStart(2, '0')}:00.000Z`,
    end_at: `2026-11-15T11:${String(n % 60).padStart(2, '0')}:00.000Z`,
    duration_seconds: 3600,
    paid_by: 'credits',
    billed_seconds: 3600,
    pool_seconds: 0,
    credit_seconds: 3600,
    charge_micros: 1_000_000 + n,
    rate_per_minute_micros: 16_000,
    connection_fee_micros: 0,
    flags: n % 4 === 0 ? 'late,rerated' : '',
    ms_charge_micros: null,
    ms_connection_charge_micros: null,
    ms_currency: null,
    ms_license_capability: null,
    ms_inventory_type: null,
    ms_usage_location: 'GB',
    ms_destination_context: null,
    content_hash: `hash-${n}-${'x'.repeat(200)}`,
    settled_seq: n,
    created_at: '2026-11-15T12:00:00.000Z',
    ...fields,
  };
}

async function storedLegs(store: Store): Promise<LegRow[]> {
  const rows = await store.db.selectFrom('legs').selectAll().where('tenant_id', '=', TENANT).orderBy('settled_seq').execute();
  const numeric = ['toll_free', 'duration_seconds', 'billed_seconds', 'pool_seconds', 'credit_seconds', 'charge_micros', 'rate_per_minute_micros', 'connection_fee_micros', 'settled_seq'] as const;
  return rows.map((r) => {
    const row = { ...r } as Record<string, unknown>;
    for (const c of numeric) row[c] = row[c] === null ? null : Number(row[c]);
    return row as unknown as LegRow;
  });
}

async function spendLegs(store: Store): Promise<number> {
  const rows = await store.db.selectFrom('spend_daily').select('legs').where('tenant_id', '=', TENANT).execute();
  return rows.reduce((n, r) => n + Number(r.legs), 0);
}

/** What a promise was rejected with (undefined when it resolved); see insert-many.test.ts for why not `rejects`. */
async function rejection(p: Promise<unknown>): Promise<{ message?: unknown } | undefined> {
  return p.then(
    () => undefined,
    (err: { message?: unknown }) => err,
  );
}

/** Writes `rows` the way intake does: opened, added one by one (with `between` after each), closed; all in one pipeline. */
async function writeLegs(store: Store, rows: LegRow[], between?: (i: number, tx: Tx) => Promise<void> | void): Promise<void> {
  await store.inTransaction(async (tx) => {
    const writes = new StatementPipeline(store.engine);
    await writes.run(async () => {
      const legs = await openLegWriter(store, tx, writes);
      try {
        for (const [i, row] of rows.entries()) {
          legs.add(row);
          await between?.(i, tx);
        }
      } catch (err) {
        legs.fail(err);
        throw err;
      }
      await legs.close();
      await legs.addToSpendRollup();
      expect(legs.rows).toEqual(rows);
    });
  });
}

describe('LEG_COLUMNS', () => {
  it('names every column of a leg once', () => {
    expect(new Set(LEG_COLUMNS).size).toBe(LEG_COLUMNS.length);
    expect([...LEG_COLUMNS].sort()).toEqual(Object.keys(legRow(1)).sort());
  });
});

describeEachEngine('openLegWriter', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => cleanup());

  it('stores every leg as given, many messages of them, with the spend rollup', async () => {
    // About 400 bytes a row: 1,000 rows are several 64 KiB messages, sent while the later rows are still being added.
    const rows = Array.from({ length: 1_000 }, (_, i) => legRow(i + 1));
    await writeLegs(store, rows);
    expect(await storedLegs(store)).toEqual(rows);
    expect(await spendLegs(store)).toBe(1_000);
  });

  it('stores legs added slowly, with the event loop turning between them', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => legRow(i + 1));
    await writeLegs(store, rows, (i) => (i % 50 === 0 ? new Promise((resolve) => setTimeout(resolve, 5)) : undefined));
    expect(await storedLegs(store)).toEqual(rows);
  });

  it('stores nothing and sends no statement of rows for a chunk with no legs', async () => {
    await writeLegs(store, []);
    expect(await storedLegs(store)).toEqual([]);
    expect(await spendLegs(store)).toBe(0);
  });

  it('a leg already stored fails the transaction with the legs key error, stores nothing of it, and the connection works on', async () => {
    await writeLegs(store, [legRow(5)]);
    const rows = Array.from({ length: 600 }, (_, i) => legRow(i + 1));
    // The refused leg early, then the server's answer given time to arrive while rows are still being added.
    const refused = await rejection(writeLegs(store, rows, (i) => (i === 10 ? new Promise((resolve) => setTimeout(resolve, 50)) : undefined)));
    expect(isStoredLegKey(refused)).toBe(true);
    expect((await storedLegs(store)).map((l) => l.id)).toEqual(['leg-5']);
    expect(await spendLegs(store)).toBe(1);
    const more = Array.from({ length: 600 }, (_, i) => legRow(i + 1001));
    await writeLegs(store, more);
    expect((await storedLegs(store)).length).toBe(601);
  });

  it('a writer abandoned half-way (rating failed) fails the transaction with that error and stores nothing', async () => {
    const rows = Array.from({ length: 800 }, (_, i) => legRow(i + 1));
    const failure = new Error('rating failed half-way');
    const refused = await rejection(
      writeLegs(store, rows, (i) => {
        if (i === 500) throw failure;
      }),
    );
    expect(refused).toBe(failure);
    expect(await storedLegs(store)).toEqual([]);
    await writeLegs(store, rows.slice(0, 10));
    expect((await storedLegs(store)).length).toBe(10);
  });

  it('a value no column can hold: its own error, nothing stored', async () => {
    const rows = [legRow(1), legRow(2, { charge_micros: Number.NaN })];
    const refused = await rejection(writeLegs(store, rows));
    expect(refused).toBeDefined();
    if (engine === 'postgres') expect(refused?.message).toBe('legs.charge_micros: NaN is not a number a column can hold');
    expect(await storedLegs(store)).toEqual([]);
  });

  it('a statement sent ahead of the legs (the guard read-ahead) does not hold up their rows: those added while it runs are kept and go first', async () => {
    const rows = Array.from({ length: 600 }, (_, i) => legRow(i + 1));
    const seen: { streaming: boolean[]; aheadDone: boolean[] } = { streaming: [], aheadDone: [] };
    await store.inTransaction(async (tx) => {
      const writes = new StatementPipeline(store.engine);
      await writes.run(async () => {
        let aheadDone = false;
        // 50 ms on the server: on PostgreSQL the COPY waits behind it on the connection.
        const sleep = engine === 'postgres' ? sql`SELECT pg_sleep(0.05)` : sql`SELECT 1`;
        await writes.send(async () => {
          await sleep.execute(tx);
          aheadDone = true;
        });
        // openLegWriter returns without waiting for it: the caller goes on making rows.
        const legs = await openLegWriter(store, tx, writes);
        seen.aheadDone.push(aheadDone);
        for (const [i, row] of rows.entries()) {
          seen.streaming.push(legs.streaming);
          if (!legs.streaming && i % 100 === 0) await legs.letAnswersIn();
          legs.add(row);
        }
        // Rows keep coming while the statement ahead runs; its answer is let in between them once it comes.
        while (!legs.streaming) await legs.letAnswersIn();
        expect(aheadDone).toBe(true);
        await legs.close();
      });
    });
    expect(await storedLegs(store)).toEqual(rows);
    if (engine === 'postgres') {
      expect(seen.aheadDone).toEqual([false]);
      expect(seen.streaming[0]).toBe(false);
    } else {
      // SQLite runs each statement at once: nothing waits, nothing to let in.
      expect(seen.streaming.every(Boolean)).toBe(true);
    }
  });
});

describe('RowStream (the COPY behind it)', () => {
  /** pg's connection as CopyIn uses it, recording what would go out. */
  function fakeConnection() {
    const sent: string[] = [];
    return {
      sent,
      query: (text: string) => void sent.push(`query ${text}`),
      // Each row's line, cut to its first 8 characters.
      sendCopyFromChunk: (chunk: Buffer) => void sent.push(`data ${chunk.toString('utf8').split('\n').slice(0, -1).map((l) => l.slice(0, 8)).join('|')}`),
      endCopyFrom: () => void sent.push('done'),
      sendCopyFail: (message: string) => void sent.push(`fail ${message}`),
    };
  }

  it('keeps messages made before the connection takes the statement, then sends each as soon as it is full', () => {
    const stream = new RowStream('t', ['a', 'b']);
    // A 30,000-character line might take 90,000 bytes: each starts a message of its own size.
    const long = 'p'.repeat(30_000);
    stream.add({ a: long, b: 1 });
    stream.add({ a: long, b: 2 }); // does not fit beside the first: the first message is done, and waits
    const connection = fakeConnection();
    stream.submit(connection);
    expect(connection.sent).toEqual(['query COPY "t" ("a", "b") FROM STDIN', 'data pppppppp']);
    stream.add({ a: 'q', b: 2 });
    expect(connection.sent).toHaveLength(2); // fits beside the second: nothing goes out yet
    stream.add({ a: long, b: 3 }); // does not fit: the second message goes out now
    expect(connection.sent.slice(2)).toEqual(['data pppppppp|q\t2']);
    stream.add({ a: 'y', b: null });
    stream.end();
    expect(connection.sent.slice(3)).toEqual(['data pppppppp|y\t\\N', 'done']);
  });

  it('ended or failed before the connection takes it: the data and its end, or the failure, follow the statement', () => {
    const ended = new RowStream('t', ['a']);
    ended.add({ a: 'x' });
    ended.end();
    const c1 = fakeConnection();
    ended.submit(c1);
    expect(c1.sent).toEqual(['query COPY "t" ("a") FROM STDIN', 'data x', 'done']);
    expect(() => ended.add({ a: 'z' })).toThrow('RowStream.add after end()');

    const failed = new RowStream('t', ['a']);
    failed.add({ a: 'x' });
    failed.fail(new Error('gave up'));
    const c2 = fakeConnection();
    failed.submit(c2);
    expect(c2.sent).toEqual(['query COPY "t" ("a") FROM STDIN', 'fail gave up']);
  });

  it('sends nothing more once the server has answered (an error ends COPY mode early)', () => {
    const stream = new RowStream('t', ['a']);
    const connection = fakeConnection();
    stream.submit(connection);
    stream.handleError(new Error('duplicate key value violates unique constraint'));
    stream.add({ a: 'x'.repeat(100_000) }); // a full message: it would go out at once
    stream.end();
    expect(connection.sent).toEqual(['query COPY "t" ("a") FROM STDIN']);
  });

});
