import { randomUUID } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import type { Store } from '../../store/database';
import { deleteBotState, readBotState, writeBotState } from '../../store/bot-store';
import { storableText } from '../../store/storable-text';

/**
 * Bot Framework Storage on Tollgate's own database, so turn state survives a restart and is shared by replicas.
 * Same optimistic concurrency as the framework's MemoryStorage: a write with the stored eTag (or none, or '*')
 * succeeds and gets a new eTag; a write with a stale eTag fails.
 */
export class StoreStorage implements Storage {
  constructor(private readonly store: Store) {}

  /**
   * Keys are made of the activity's ids (conversation, user), which anyone reaching /api/messages in local mode
   * writes: they are stored as storable text (store/storable-text.ts), and items are answered under the keys asked for.
   */
  async read(keys: string[]): Promise<StoreItems> {
    const asked = new Map(keys.map((k) => [storableText(k), k]));
    const rows = await readBotState(this.store.db, [...asked.keys()]);
    const items: StoreItems = {};
    for (const row of rows) items[asked.get(row.key) ?? row.key] = { ...JSON.parse(row.value), eTag: row.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const at = new Date().toISOString();
    await this.store.inTransaction(async (tx) => {
      for (const [asked, item] of Object.entries(changes)) {
        const key = storableText(asked);
        const { eTag, ...value } = (item ?? {}) as { eTag?: string } & Record<string, unknown>;
        const expected = !eTag || eTag === '*' ? null : eTag;
        const written = await writeBotState(tx, { key, etag: randomUUID(), value: JSON.stringify(value), updated_at: at }, expected);
        if (!written) {
          // Nothing stored under the key yet and an eTag was given: that is a first write, not a conflict.
          const existing = await readBotState(tx, [key]);
          if (existing.length === 0) {
            await writeBotState(tx, { key, etag: randomUUID(), value: JSON.stringify(value), updated_at: at }, null);
          } else {
            throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
          }
        }
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    await deleteBotState(this.store.db, keys.map(storableText));
  }
}
