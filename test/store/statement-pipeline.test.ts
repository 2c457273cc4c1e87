import { describeEachEngine, freshStore } from '../support/engines';
import type { Store } from '../../src/store/database';
import type { LedgerEntryRow } from '../../src/store/ledger-store';
import { StatementPipeline } from '../../src/store/statement-pipeline';

/**
 * StatementPipeline (intake's chunk writes): statements sent without waiting run in the order sent, inside the
 * transaction; when one fails, the caller sees that first failure (not the "transaction is aborted" of the ones queued
 * behind it), nothing of the transaction is stored, not even a statement queued behind the failure, and no rejection
 * goes unhandled.
 */

const TENANT = 'tenant-pipeline';

function entry(seq: number, memo: string): LedgerEntryRow {
  return {
    tenant_id: TENANT,
    seq,
    kind: 'adjustment',
    amount_micros: seq,
    balance_after_micros: seq,
    memo,
    actor: null,
    leg_id: null,
    leg_seq: null,
    created_at: '2026-11-15T12:00:00.000Z',
  };
}

async function memos(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('ledger_entries').select('memo').where('tenant_id', '=', TENANT).orderBy('seq').execute();
  return rows.map((r) => String(r.memo));
}

describeEachEngine('StatementPipeline', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await cleanup();
  });

  it('runs what is sent in order, and a read after it sees it', async () => {
    const seen = await store.inTransaction(async (tx) => {
      const writes = new StatementPipeline(store.engine);
      return writes.run(async () => {
        await writes.send(() => store.insertMany(tx, 'ledger_entries', [entry(1, 'copied'), entry(2, 'copied too')]));
        // Refused unless the COPY before it already ran: the same key, updated in place.
        await writes.send(() => tx.updateTable('ledger_entries').set({ memo: 'updated' }).where('tenant_id', '=', TENANT).where('seq', '=', 2).execute());
        await writes.send(() => tx.insertInto('ledger_entries').values(entry(3, 'inserted')).execute());
        const rows = await tx.selectFrom('ledger_entries').select('memo').where('tenant_id', '=', TENANT).orderBy('seq').execute();
        return rows.map((r) => r.memo);
      });
    });
    expect(seen).toEqual(['copied', 'updated', 'inserted']);
    expect(await memos(store)).toEqual(['copied', 'updated', 'inserted']);
  });

  it('a failed statement: the first failure reaches the caller, nothing is stored (not even what was queued behind it), none unhandled', async () => {
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(1, 'before')]));
    const failed = await store
      .inTransaction(async (tx) => {
        const writes = new StatementPipeline(store.engine);
        return writes.run(async () => {
          await writes.send(() => store.insertMany(tx, 'ledger_entries', [entry(2, 'fresh')]));
          await writes.send(() => store.insertMany(tx, 'ledger_entries', [entry(1, 'again')])); // the key is taken
          await writes.send(() => tx.insertInto('ledger_entries').values(entry(3, 'queued behind')).execute());
          await writes.send(() => tx.insertInto('ledger_entries').values(entry(4, 'queued behind too')).execute());
          // Work that waits on the transaction after the failure: on PostgreSQL refused as "transaction is aborted".
          await tx.selectFrom('ledger_entries').select('seq').where('tenant_id', '=', TENANT).execute();
          return 'not reached';
        });
      })
      .then(
        () => undefined,
        (err: { message?: unknown }) => err,
      );
    expect(String(failed?.message)).toMatch(/UNIQUE constraint failed: ledger_entries|duplicate key value violates unique constraint/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(await memos(store)).toEqual(['before']);
    // The connection takes the next transaction as if nothing happened.
    await store.inTransaction((tx) => store.insertMany(tx, 'ledger_entries', [entry(2, 'after')]));
    expect(await memos(store)).toEqual(['before', 'after']);
  });

  it('work that throws while statements are in flight: its error, once they have settled, and nothing stored', async () => {
    const failed = await store
      .inTransaction(async (tx) => {
        const writes = new StatementPipeline(store.engine);
        return writes.run(async () => {
          await writes.send(() => store.insertMany(tx, 'ledger_entries', [entry(1, 'sent')]));
          await writes.send(() => tx.insertInto('ledger_entries').values(entry(2, 'sent too')).execute());
          throw new Error('the hook failed');
        });
      })
      .then(
        () => undefined,
        (err: { message?: unknown }) => err,
      );
    expect(failed?.message).toBe('the hook failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(await memos(store)).toEqual([]);
  });
});
