import { describeEachEngine, freshStore } from '../support/engines';
import type { Store } from '../../src/store/database';
import type { LedgerEntryRow } from '../../src/store/ledger-store';
import { copyData } from '../../src/store/pg-copy';

/**
 * store.insertMany, the intake's bulk write (on PostgreSQL one COPY … FROM STDIN in text format, src/store/pg-copy.ts):
 * every value comes back exactly as it went in, whatever characters it holds, and a refused row leaves nothing behind
 * and the connection fit for the next transaction.
 */

const TENANT = 'tenant-copy';

/** Text that COPY's text format must escape or carry byte for byte. */
const AWKWARD = [
  'back\\slash',
  '\\N', // the text \N, not NULL
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'both\r\n',
  '\\.', // COPY's old end-of-data marker, on a line of its own below
  '',
  ' leading and trailing ',
  'quotes \' and "',
  'commas, semicolons; pipes |',
  'Grüße, 日本語, emoji 📞',
  'x'.repeat(70_000), // longer than one CopyData message
];

function entry(seq: number, memo: string | null, amount: number): LedgerEntryRow {
  return {
    tenant_id: TENANT,
    seq,
    kind: 'adjustment',
    amount_micros: amount,
    balance_after_micros: -amount,
    memo,
    actor: seq % 2 === 0 ? null : 'tester',
    leg_id: null,
    leg_seq: null,
    created_at: '2026-11-15T12:00:00.000Z',
  };
}

/**
 * What a promise was rejected with (undefined when it resolved). Jest's `rejects.toThrow` is not used: better-sqlite3
 * makes its errors with the SqliteError class of the first test file that loaded it in the worker, which jest's
 * matcher does not always take for an Error.
 */
async function rejection(p: Promise<unknown>): Promise<{ message?: unknown } | undefined> {
  return p.then(
    () => undefined,
    (err: { message?: unknown }) => err,
  );
}

async function storedEntries(store: Store) {
  const rows = await store.db.selectFrom('ledger_entries').selectAll().where('tenant_id', '=', TENANT).orderBy('seq').execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), amount_micros: Number(r.amount_micros), balance_after_micros: Number(r.balance_after_micros) }));
}

describeEachEngine('store.insertMany', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => cleanup());

  it('stores every value as it was given: escapes, NULL against the text \\N, empty text, long and non-ASCII text, big and negative integers', async () => {
    const rows = [
      ...AWKWARD.map((memo, i) => entry(i + 1, memo, (i + 1) * 1_000_003)),
      ...AWKWARD.map((memo, i) => entry(AWKWARD.length + i + 1, `${memo}\n${memo}`, -(i + 1))),
      entry(2 * AWKWARD.length + 1, null, Number.MAX_SAFE_INTEGER),
      entry(2 * AWKWARD.length + 2, null, -Number.MAX_SAFE_INTEGER),
    ];
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', rows));
    expect(await storedEntries(store)).toEqual(rows);
  });

  it('a row the table refuses (a key already there) rolls back the whole call, and the connection works on', async () => {
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(1, 'first', 1)]));
    const refused = await rejection(store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(2, 'second', 2), entry(1, 'again', 1), entry(3, 'third', 3)])));
    expect(String(refused?.message)).toMatch(/UNIQUE constraint failed|duplicate key value/);
    expect((await storedEntries(store)).map((e) => e.memo)).toEqual(['first']);
    // The same pooled connection takes the next transaction as if nothing happened.
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(2, 'second', 2), entry(3, 'third', 3)]));
    expect((await storedEntries(store)).map((e) => e.memo)).toEqual(['first', 'second', 'third']);
  });

  it('a statement refused before any row is read (a column the table lacks) leaves the connection fit too', async () => {
    const bogus = { ...entry(1, 'x', 1), no_such_column: 'y' } as unknown as LedgerEntryRow;
    const refused = await rejection(store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [bogus, entry(2, 'z', 2)])));
    expect(String(refused?.message)).toMatch(/no_such_column/);
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(1, 'after', 1)]));
    expect((await storedEntries(store)).map((e) => e.memo)).toEqual(['after']);
  });

  it('a value no column can hold, after much of the data has gone out: its own error, nothing stored, the connection fit', async () => {
    // PostgreSQL sends the data as it is made: the rows before the bad one (several messages) are already sent.
    const rows = Array.from({ length: 400 }, (_, i) => entry(i + 1, 'm'.repeat(400), i + 1));
    rows.push({ ...entry(401, 'bad', 401), memo: new Date(0) as unknown as string });
    const refused = await rejection(store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', rows)));
    if (engine === 'postgres') expect(refused?.message).toBe('ledger_entries.memo: cannot copy a value of type [object Date]');
    else expect(refused).toBeDefined();
    expect(await storedEntries(store)).toEqual([]);
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(1, 'after', 1)]));
    expect((await storedEntries(store)).map((e) => e.memo)).toEqual(['after']);
  });

  it('writes nothing for no rows', async () => {
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', []));
    expect(await storedEntries(store)).toEqual([]);
  });
});

describe('COPY text format (pg-copy)', () => {
  it('escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
    const data = Buffer.concat(copyData('t', ['a', 'b', 'c', 'd'], [{ a: 'x\\y\tz', b: null, c: 'l1\nl2\r', d: 7 }, { a: '', b: '\\N', c: true, d: -1.5 }])).toString('utf8');
    expect(data).toBe('x\\\\y\\tz\t\\N\tl1\\nl2\\r\t7\n\t\\\\N\tt\t-1.5\n');
  });

  it('refuses what it cannot write as the column would read it, before anything is sent', () => {
    expect(() => copyData('t', ['a'], [{ a: new Date(0) }])).toThrow('t.a: cannot copy a value of type [object Date]');
    expect(() => copyData('t', ['a'], [{ a: { x: 1 } }])).toThrow('t.a: cannot copy');
    expect(() => copyData('t', ['a'], [{ a: Number.NaN }])).toThrow('t.a: NaN is not a number a column can hold');
  });

  it('splits long data into messages only between rows', () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ a: `${i}`.padStart(300, '-') }));
    const chunks = copyData('t', ['a'], rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.toString('utf8').endsWith('\n')).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8').split('\n').length).toBe(501);
  });
});
