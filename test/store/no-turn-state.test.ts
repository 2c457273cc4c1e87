import type { Store } from '../../src/store/database';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { describeEachEngine, freshStore } from '../support/engines';

/**
 * Migration 0012: Tollgate keeps no Bot Framework turn state, so the table teams-ai read it from before every turn is
 * gone, and down brings it back empty.
 */
describeEachEngine('migration 0012: no turn state table', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterEach(async () => {
    await cleanup();
  });

  const tables = async () => (await store.db.introspection.getTables()).map((t) => t.name);

  it('drops bot_state; down recreates it and up drops it again', async () => {
    expect(await tables()).not.toContain('bot_state');
    await migrateDownTo(store.db, '0011_fraud_without_rowid');
    expect(await tables()).toContain('bot_state');
    await migrateToLatest(store.db);
    expect(await tables()).not.toContain('bot_state');
  });
});
