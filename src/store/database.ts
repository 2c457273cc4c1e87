import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Insertable, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';
import { migrateToLatest } from './migrations';
import { rowValues } from './row-values';
import { CopyingClient, copyRows } from './pg-copy';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer';

export type Engine = 'sqlite' | 'postgres';

/** A Kysely handle that is either the database or a transaction on it; queries take either. */
export type Db = Kysely<Database>;
export type Tx = Kysely<Database> | Transaction<Database>;

export interface Store {
  readonly engine: Engine;
  readonly db: Db;
  /**
   * Runs `fn` in one transaction that holds the tenant's lock, so every change to a tenant's balance, pool and legs
   * is serialized across threads, processes and replicas: SQLite takes the write lock up front (BEGIN IMMEDIATE, with
   * the busy timeout making other writers wait), PostgreSQL locks the tenant's row (SELECT … FOR UPDATE).
   * Returns undefined-free results of fn; throws (after rollback) what fn throws.
   */
  inTenantTransaction<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction not tied to one tenant (set-up, rate cards). */
  inTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Inserts many rows of one table inside `tx`, the fastest way each engine has: on SQLite a cached prepared
   * single-row INSERT run on the transaction's own connection (no per-call SQL text or parsing of thousands of
   * parameters), on PostgreSQL one COPY … FROM STDIN.
   */
  insertMany<K extends keyof Database & string>(tx: Tx, table: K, rows: Insertable<Database[K]>[]): Promise<void>;
  /**
   * SQLite only (undefined on PostgreSQL): statements prepared once and kept, for the few that run for every chunk
   * of intake, where Kysely's compile and better-sqlite3's prepare on every call cost more than running them.
   */
  readonly sqlite?: SqliteStatements;
  close(): Promise<void>;
}

export interface SqliteStatements {
  /**
   * The statement cached under `key`, prepared from `text()` the first time. It runs on the one connection Kysely
   * also uses, so inside the caller's BEGIN IMMEDIATE transaction.
   */
  statement(key: string, text: () => string): BetterSqlite3.Statement;
  /** The database file (absolute), for a reader of its own (reports/sqlite-pages.ts); undefined in memory. */
  readonly file: string | undefined;
  /** The file's checkpointer thread (sqlite-checkpointer.ts); undefined in memory and with 'in-commit'. */
  readonly checkpointer: Checkpointer | undefined;
}

// BIGINT (20) and NUMERIC (1700, what SUM() of a BIGINT returns) come back from pg as strings. Tollgate's money is
// integer micro-units well inside Number.MAX_SAFE_INTEGER (9e15 micros = 9 billion units), so numbers are exact.
function safeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`database value ${text} is outside the safe integer range`);
  return n;
}
pg.types.setTypeParser(20, safeNumber);
pg.types.setTypeParser(1700, safeNumber);

export interface OpenOptions {
  /** PostgreSQL pool size per process. */
  maxConnections?: number;
  /** Skip migrations (a caller that already ran them). */
  migrate?: boolean;
  /** SQLite file: where its write-ahead log is checkpointed (sqlite-checkpointer.ts). Default 'background'. */
  sqliteCheckpoint?: SqliteCheckpoint;
}

/**
 * 'background': a worker thread checkpoints once a thousand pages wait (sqlite-checkpointer.ts); 'in-commit': SQLite's
 * default, the commit that grows the log past a thousand pages checkpoints it before it returns.
 */
export type SqliteCheckpoint = 'background' | 'in-commit';

export async function openStore(databaseUrl: string, options: OpenOptions = {}): Promise<Store> {
  const store = databaseUrl.startsWith('sqlite:')
    ? openSqlite(databaseUrl.slice('sqlite:'.length), options.sqliteCheckpoint ?? 'background')
    : openPostgres(databaseUrl, options.maxConnections ?? 10);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(store.db);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

function openSqlite(file: string, checkpoint: SqliteCheckpoint): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const database = new BetterSqlite3(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  // The CLI and the server may write the same file at once: wait for the other writer instead of failing.
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  database.defaultSafeIntegers(false);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  const inMemory = file === ':memory:' || file === '';
  const checkpointer = inMemory || checkpoint === 'in-commit' ? undefined : startCheckpointer(database, path.resolve(file));

  // Kysely's SQLite driver hands out its single connection to one caller at a time, so transactions in one
  // process are already serialized; BEGIN IMMEDIATE serializes them with other processes on the same file.
  const run = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`COMMIT`.execute(conn);
        checkpointer?.committed();
        return result;
      } catch (err) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        throw err;
      }
    });

  const statements = new Map<string, BetterSqlite3.Statement>();
  const sqlite: SqliteStatements = {
    file: inMemory ? undefined : path.resolve(file),
    checkpointer,
    statement(key, text) {
      let statement = statements.get(key);
      if (!statement) {
        statement = database.prepare(text());
        statements.set(key, statement);
      }
      return statement;
    },
  };
  const insertMany: Store['insertMany'] = async (_tx, table, rows) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!);
    const statement = sqlite.statement(`insert ${table}(${columns.join(',')})`, () => {
      const quoted = columns.map((c) => `"${c}"`).join(', ');
      return `INSERT INTO "${table}" (${quoted}) VALUES (${columns.map(() => '?').join(', ')})`;
    });
    // Runs on the one connection Kysely also uses: inside the caller's BEGIN IMMEDIATE transaction.
    const valuesOf = rowValues(columns);
    for (const row of rows) statement.run(valuesOf(row));
  };

  return {
    engine: 'sqlite',
    db,
    inTenantTransaction: (_tenantId, fn) => run(fn),
    inTransaction: run,
    insertMany,
    sqlite,
    close: async () => {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}

/**
 * Statements Kysely's SQLite driver keeps prepared, by SQL text; the least recently used go past this many. The
 * bot's commands use about 30 texts, an intake about 100.
 */
export const SQLITE_STATEMENT_CACHE_SIZE = 300;
/**
 * Longer SQL is prepared each time: the longest multi-row statements and IN lists, whose texts vary with their row
 * count and whose prepared programs are large, so that the cache stays small whatever runs. A fixed long text is
 * cached: the meeting card's delivery read (src/store/meeting-card-delivery.ts, ~3,900 characters) was prepared
 * again for every card, 0.2 ms each (36 ms of the 200-meeting burst's 1.2 s in a CPU profile, 2026-11-23).
 */
export const SQLITE_CACHED_SQL_MAX_LENGTH = 8_000;

/**
 * The database as Kysely's SQLite driver sees it, with its statements prepared once per SQL text: the driver
 * prepares every query anew, and for the bot's short look-ups preparing cost as much as running. A statement is
 * stateless between runs (parameters are bound per call, and SQLite prepares it again by itself after a schema
 * change), so the only case for a fresh one is a statement still being iterated by a stream.
 */
export function withStatementCache(
  database: BetterSqlite3.Database,
  size = SQLITE_STATEMENT_CACHE_SIZE,
): { prepare(sql: string): BetterSqlite3.Statement; close(): void } {
  const cache = new LRUCache<string, BetterSqlite3.Statement>({ max: size });
  return {
    prepare(text) {
      if (text.length > SQLITE_CACHED_SQL_MAX_LENGTH) return database.prepare(text);
      const cached = cache.get(text);
      if (cached) return cached.busy ? database.prepare(text) : cached;
      const statement = database.prepare(text);
      cache.set(text, statement);
      return statement;
    },
    close: () => {
      cache.clear();
      database.close();
    },
  };
}

/** How long a query waits for a free pooled connection (or a new one to open) before failing as `unavailable`. */
export const PG_CONNECT_TIMEOUT_MS = 5_000;

function openPostgres(url: string, max: number): Store {
  // CopyingClient: pg's Client that can also run COPY … FROM STDIN (insertMany).
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, keepAlive: true, Client: CopyingClient });
  // A client that loses its server (restart, failover) must not crash the process. Idle in the pool, the pool's own
  // listener drops it. Checked out (in a transaction, between two statements) nobody listens, and pg would throw
  // the server's "terminating connection" as an uncaught 'error' event: this listener takes it, the transaction's
  // next statement fails (it rolls back, the caller gets a retryable error), and the pool drops the dead client
  // when it is released. New connections are opened as needed, so service resumes when the server is back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    // READ COMMITTED explicitly: lock-then-read needs each statement to see what the lock holder before us
    // committed. Under a server default of REPEATABLE READ the FOR UPDATE would fail with a serialization error.
    inTenantTransaction: (tenantId, fn) =>
      db.transaction().setIsolationLevel('read committed').execute(async (tx) => {
        await tx.selectFrom('tenants').select('tenant_id').where('tenant_id', '=', tenantId).forUpdate().execute();
        return fn(tx);
      }),
    inTransaction: (fn) => db.transaction().setIsolationLevel('read committed').execute(fn),
    // One COPY per call: no statement to parse or plan, no parameters or JSON to decode per row (src/store/pg-copy.ts).
    insertMany: (tx, table, rows) => copyRows(tx, table, rows),
    close: () => db.destroy(),
  };
}

export function nowIso(date: Date = new Date()): string {
  return date.toISOString();
}
