import { StoreStorage } from '../../../src/bot/state/store-storage';
import { openStore } from '../../../src/store/database';
import { describeEachEngine, freshStore } from '../../support/engines';

describeEachEngine('bot turn state in Tollgate’s store', (engine) => {
  it('reads what was written, survives a new store on the same database, and rejects stale eTags', async () => {
    const { store, database, cleanup } = await freshStore(engine);
    try {
      const storage = new StoreStorage(store);
      expect(await storage.read(['msteams/bot/conversations/c1'])).toEqual({});
      await storage.write({ 'msteams/bot/conversations/c1': { lastCommand: 'balance', count: 1 } });
      const first = await storage.read(['msteams/bot/conversations/c1', 'missing']);
      expect(Object.keys(first)).toEqual(['msteams/bot/conversations/c1']);
      const item = first['msteams/bot/conversations/c1'];
      expect(item).toMatchObject({ lastCommand: 'balance', count: 1, eTag: expect.any(String) });

      // A restart, or a second replica: another store on the same database sees the same state.
      const other = await openStore(database.url, { migrate: false });
      try {
        const seen = await new StoreStorage(other).read(['msteams/bot/conversations/c1']);
        expect(seen['msteams/bot/conversations/c1']).toEqual(item);
        // The other replica writes with the current eTag: fine, and the eTag moves on.
        await new StoreStorage(other).write({ 'msteams/bot/conversations/c1': { ...item, count: 2 } });
      } finally {
        await other.close();
      }
      // Writing with the eTag read before the other replica's write is a conflict: nothing is overwritten.
      await expect(storage.write({ 'msteams/bot/conversations/c1': { ...item, count: 99 } })).rejects.toThrow(/eTag conflict/);
      expect((await storage.read(['msteams/bot/conversations/c1']))['msteams/bot/conversations/c1']).toMatchObject({ count: 2 });
      // '*' always writes; delete removes.
      await storage.write({ 'msteams/bot/conversations/c1': { count: 3, eTag: '*' } });
      expect((await storage.read(['msteams/bot/conversations/c1']))['msteams/bot/conversations/c1']).toMatchObject({ count: 3 });
      await storage.delete(['msteams/bot/conversations/c1']);
      expect(await storage.read(['msteams/bot/conversations/c1'])).toEqual({});
    } finally {
      await cleanup();
    }
  });
});
