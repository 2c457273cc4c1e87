import { TurnContext, type Activity } from 'botbuilder';
import * as botStore from '../../../src/store/bot-store';
import { openStore, type Store } from '../../../src/store/database';
import {
  CONVERSATION_REF_RECHECK_MS,
  CONVERSATION_REF_REFRESH_MS,
  conversationToWrite,
  rememberConversation,
} from '../../../src/bot/conversation-refs';
import { describeEachEngine, freshStore, type TestDatabase } from '../../support/engines';
import { T, USERS } from '../../support/fixtures';

/**
 * rememberConversation skips the read of a conversation's row when this process read or wrote the same reference
 * lately. What must still hold: a changed reference (service URL, user, conversation type) is written at once; the
 * daily rewrite still happens; a row another replica wrote differently is read and rewritten within the recheck
 * interval; what a rolled-back transaction wrote is not taken as stored; a meeting end's write is not hidden.
 */
describeEachEngine('conversation references: what a turn reads and writes', (engine) => {
  let store: Store;
  let database: TestDatabase;
  let cleanup: () => Promise<void>;
  let reads: jest.SpyInstance;
  let writes: jest.SpyInstance;
  const t0 = Date.parse('2026-11-20T09:00:00Z');
  const at = (ms: number) => new Date(t0 + ms);
  let conversation = 0;
  let personal: string;

  beforeEach(async () => {
    ({ store, database, cleanup } = await freshStore(engine));
    reads = jest.spyOn(botStore, 'findConversation');
    writes = jest.spyOn(botStore, 'upsertConversationRef');
    // A conversation of its own for each test: the cache is the process's, and tests share the process.
    personal = `personal-refs-${engine}-${++conversation}`;
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await cleanup();
  });

  function message(fields: Partial<Activity> = {}): Partial<Activity> {
    return {
      type: 'message',
      id: `m-${Math.random()}`,
      channelId: 'msteams',
      serviceUrl: 'https://smba.example.invalid/',
      from: { id: '29:ppm', name: 'PPM', aadObjectId: USERS.ppm },
      recipient: { id: '28:tollgate-bot', name: 'Tollgate' },
      conversation: { id: personal, tenantId: T, conversationType: 'personal', isGroup: false, name: '' },
      channelData: { tenant: { id: T } },
      locale: 'en-US',
      ...fields,
    };
  }
  const stored = async (s: Store = store) =>
    s.db.selectFrom('conversation_refs').selectAll().where('tenant_id', '=', T).where('conversation_id', '=', personal).executeTakeFirstOrThrow();

  it('reads the row once, then neither reads nor writes while the reference is the same', async () => {
    await rememberConversation(store, message(), at(0));
    expect([reads.mock.calls.length, writes.mock.calls.length]).toEqual([1, 1]);
    const first = await stored();
    for (let i = 1; i <= 5; i++) await rememberConversation(store, message(), at(i * 1000));
    expect([reads.mock.calls.length, writes.mock.calls.length]).toEqual([1, 1]);
    expect(await stored()).toEqual(first);
  });

  it('writes a changed reference at once: service URL, user, conversation type', async () => {
    await rememberConversation(store, message(), at(0));
    await rememberConversation(store, message(), at(1000));
    await rememberConversation(store, message({ serviceUrl: 'https://smba.other.invalid/' }), at(2000));
    expect(JSON.parse((await stored()).reference)).toMatchObject({ serviceUrl: 'https://smba.other.invalid/' });
    expect((await stored()).updated_at).toBe(at(2000).toISOString());

    await rememberConversation(store, message({ serviceUrl: 'https://smba.other.invalid/', from: { id: '29:sub', name: 'Sub', aadObjectId: USERS.sub } }), at(3000));
    expect((await stored()).user_id).toBe(USERS.sub);

    const group = { id: personal, tenantId: T, conversationType: 'groupChat', isGroup: true, name: '' };
    await rememberConversation(store, message({ serviceUrl: 'https://smba.other.invalid/', conversation: group }), at(4000));
    expect([(await stored()).conversation_type, (await stored()).user_id]).toEqual(['groupChat', null]);
    expect(writes).toHaveBeenCalledTimes(4);
  });

  it('still rewrites an unchanged reference once a day (the personal chat written last gets the cards)', async () => {
    await rememberConversation(store, message(), at(0));
    await rememberConversation(store, message(), at(CONVERSATION_REF_REFRESH_MS - 1000));
    expect((await stored()).updated_at).toBe(at(0).toISOString());
    await rememberConversation(store, message(), at(CONVERSATION_REF_REFRESH_MS + 1000));
    expect((await stored()).updated_at).toBe(at(CONVERSATION_REF_REFRESH_MS + 1000).toISOString());
  });

  it('another replica: the same reference is left alone, another one is read and rewritten within the recheck interval', async () => {
    // Another process, on its own connection and with its own memory: it writes the row as rememberConversation would.
    const replica = await openStore(database.url, { maxConnections: 2, migrate: false });
    const replicaWrites = (activity: Partial<Activity>, when: Date) =>
      replica.db
        .updateTable('conversation_refs')
        .set({ reference: JSON.stringify(TurnContext.getConversationReference(activity)), updated_at: when.toISOString() })
        .where('tenant_id', '=', T)
        .where('conversation_id', '=', personal)
        .execute();
    try {
      await rememberConversation(store, message(), at(0));
      // The other replica writes the same reference (its daily rewrite, say): nothing changes here.
      await replicaWrites(message(), at(1000));
      await rememberConversation(store, message(), at(2000));
      expect(writes).toHaveBeenCalledTimes(1);
      // Then it hears another service URL; this process still hears the first one and, within the interval, skips.
      await replicaWrites(message({ serviceUrl: 'https://smba.other.invalid/' }), at(3000));
      await rememberConversation(store, message(), at(4000));
      expect(JSON.parse((await stored()).reference)).toMatchObject({ serviceUrl: 'https://smba.other.invalid/' });
      // After it, this process reads the row again and writes what it heard.
      await rememberConversation(store, message(), at(CONVERSATION_REF_RECHECK_MS + 1000));
      const now = await stored(replica);
      expect(JSON.parse(now.reference)).toMatchObject({ serviceUrl: 'https://smba.example.invalid/' });
      expect(now.updated_at).toBe(at(CONVERSATION_REF_RECHECK_MS + 1000).toISOString());
      expect(writes).toHaveBeenCalledTimes(2);
    } finally {
      await replica.close();
    }
  });

  it('a write in a transaction that rolls back is not taken as stored', async () => {
    await expect(
      store.inTransaction(async (tx) => {
        await rememberConversation(store, message(), at(0), tx);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await rememberConversation(store, message(), at(1000));
    expect((await stored()).updated_at).toBe(at(1000).toISOString());
  });

  it("a meeting end's write in its own transaction makes the next turn read the row again", async () => {
    await rememberConversation(store, message(), at(0));
    // As a meeting's end writes the chat: the row taken, then written with the card in the same transaction.
    await store.inTransaction(async (tx) => {
      const row = conversationToWrite(message({ serviceUrl: 'https://smba.meeting.invalid/' }), at(1000));
      await botStore.upsertConversationRef(tx, row!);
    });
    await rememberConversation(store, message(), at(2000));
    expect(JSON.parse((await stored()).reference)).toMatchObject({ serviceUrl: 'https://smba.example.invalid/' });
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
