import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database';
import {
  BACKSTOP_CHECKPOINT_PAGES,
  IN_COMMIT_CHECKPOINT_PAGES,
  startCheckpointer,
  type Checkpointer,
} from '../../src/store/sqlite-checkpointer';

/**
 * The SQLite file's write-ahead log checkpointed by a worker thread (src/store/sqlite-checkpointer.ts): the commits
 * stop checkpointing it themselves, the thread copies what they wrote, and everything committed is in the file
 * afterwards, whole.
 */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-checkpointer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Waits (yielding to the event loop, where the worker's messages arrive) until `done()` or fails after 10 s. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const autocheckpoint = (store: Store) => sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(store.db).then((r) => Number(r.rows[0]!.wal_autocheckpoint));

/** One transaction writing `rows` rows of 3 KiB each: about one page per row. */
async function writeRows(store: Store, rows: number, from = 0): Promise<void> {
  await store.inTransaction(async (tx) => {
    for (let i = from; i < from + rows; i++) await sql`INSERT INTO scratch (id, body) VALUES (${i}, ${`${i}:`.padEnd(3072, 'x')})`.execute(tx);
  });
}

describe('a SQLite file store checkpoints in a worker thread', () => {
  test('commits no longer checkpoint; the thread copies a large commit into the file', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'a.db')}`);
    try {
      const checkpointer = store.sqlite!.checkpointer!;
      expect(checkpointer).toBeDefined();
      expect(await autocheckpoint(store)).toBe(BACKSTOP_CHECKPOINT_PAGES);
      await sql`CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(store.db);
      const before = checkpointer.status.checkpoints;
      await writeRows(store, 1500); // past SQLite's 1,000 pages: in its default, this commit would checkpoint
      await until(() => checkpointer.status.checkpoints > before, 'a checkpoint');
      const last = checkpointer.status.last!;
      expect(last.log).toBeGreaterThanOrEqual(1500);
      expect(last.checkpointed).toBe(last.log);
      expect(last.busy).toBe(0);
    } finally {
      await store.close();
    }
  });

  test('small commits wait, as they would for SQLite, until a thousand pages are not yet copied', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'small.db')}`);
    try {
      const checkpointer = store.sqlite!.checkpointer!;
      await sql`CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(store.db);
      await until(() => checkpointer.status.state === 'running', 'the thread to open the file');
      const before = checkpointer.status.checkpoints;
      for (let t = 0; t < 30; t++) await writeRows(store, 10, t * 10); // ~330 pages in all: no checkpoint
      await writeRows(store, IN_COMMIT_CHECKPOINT_PAGES, 1000); // past the thousand: one
      await until(() => checkpointer.status.checkpoints > before, 'a checkpoint');
      // The thread takes its messages in order: had a small commit made a checkpoint, it would be counted by now.
      expect(checkpointer.status.checkpoints).toBe(before + 1);
      expect(checkpointer.status.last!.log).toBeGreaterThanOrEqual(300 + IN_COMMIT_CHECKPOINT_PAGES);
    } finally {
      await store.close();
    }
  });

  test('many transactions while the thread checkpoints: every row in the file, the file whole', async () => {
    const file = path.join(dir, 'b.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      await sql`CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`.execute(store.db);
      for (let t = 0; t < 20; t++) {
        await writeRows(store, 400, t * 400);
        // Now and then the event loop turns, as between a server's requests: the thread's reports arrive.
        if (t % 5 === 4) await new Promise((r) => setImmediate(r));
      }
      await until(() => store.sqlite!.checkpointer!.status.checkpoints > 0, 'a checkpoint');
    } finally {
      await store.close();
    }
    const reader = new BetterSqlite3(file, { readonly: true });
    try {
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((reader.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM scratch').get() as { n: number; bytes: number })).toEqual({ n: 8000, bytes: 8000 * 3072 });
    } finally {
      reader.close();
    }
  });

  test('closing the store stops the thread', async () => {
    const store = await openStore(`sqlite:${path.join(dir, 'c.db')}`);
    const checkpointer = store.sqlite!.checkpointer!;
    await store.close();
    expect(checkpointer.status.state).toBe('stopped');
  });

  test("'in-commit' and a database in memory have no thread, and SQLite's default", async () => {
    for (const [url, options] of [
      [`sqlite:${path.join(dir, 'd.db')}`, { sqliteCheckpoint: 'in-commit' as const }],
      ['sqlite::memory:', {}],
    ] as const) {
      const store = await openStore(url, options);
      try {
        expect(store.sqlite!.checkpointer).toBeUndefined();
        expect(await autocheckpoint(store)).toBe(IN_COMMIT_CHECKPOINT_PAGES);
      } finally {
        await store.close();
      }
    }
  });
});

describe('startCheckpointer', () => {
  test('a thread that cannot open the file stops with its error, and the commits checkpoint again', async () => {
    const database = new BetterSqlite3(path.join(dir, 'e.db'));
    let checkpointer: Checkpointer | undefined;
    try {
      database.pragma('journal_mode = WAL');
      checkpointer = startCheckpointer(database, path.join(dir, 'no-such-dir', 'e.db'));
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_CHECKPOINT_PAGES);
      await until(() => checkpointer!.status.state === 'stopped', 'the thread to stop');
      expect(checkpointer.status.error).toMatch(/unable to open|does not exist|directory/i);
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(IN_COMMIT_CHECKPOINT_PAGES);
      expect(checkpointer.status.checkpoints).toBe(0);
    } finally {
      await checkpointer?.close();
      database.close();
    }
  });

  test('closed, it gives the commits their checkpoint back', async () => {
    const file = path.join(dir, 'f.db');
    const database = new BetterSqlite3(file);
    try {
      database.pragma('journal_mode = WAL');
      const checkpointer = startCheckpointer(database, file);
      await until(() => checkpointer.status.state === 'running', 'the thread to open the file');
      await checkpointer.close();
      expect(checkpointer.status.state).toBe('stopped');
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(IN_COMMIT_CHECKPOINT_PAGES);
      checkpointer.committed(); // after close: nothing to tell, no throw
    } finally {
      database.close();
    }
  });
});
