import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { openStore, type Tx } from '../../src/store/database';
import { createTestDatabase } from './engines';

/**
 * SQLite's plan of every statement `run` sends, on an empty database with Tollgate's schema: `run` gets a handle that
 * logs what it sends, and each statement's EXPLAIN QUERY PLAN details come back in the order sent (with what `run`
 * returned), so a test checks the plan of the very statements a store function makes.
 */
export async function sqlitePlansOf<T>(run: (tx: Tx) => Promise<T>): Promise<{ result: T; plans: string[][] }> {
  const db = await createTestDatabase('sqlite');
  try {
    const store = await openStore(db.url);
    await store.close();
    const sqlite = new Database(db.url.slice('sqlite:'.length));
    const sent: CompiledQuery[] = [];
    const kysely = new Kysely<never>({ dialect: new SqliteDialect({ database: sqlite }), log: (e) => void (e.level === 'query' && sent.push(e.query)) });
    try {
      const result = await run(kysely as unknown as Tx);
      const plans = sent.map((query) =>
        sqlite
          .prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
          .all(...(query.parameters as unknown[]))
          .map((r) => (r as { detail: string }).detail),
      );
      return { result, plans };
    } finally {
      await kysely.destroy();
    }
  } finally {
    await db.drop();
  }
}
