import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/database';

/**
 * The same suites run on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set; `.ci/run` sets it and
 * fails when the server is not there). Each suite gets a database of its own: a temp SQLite file, or a fresh
 * PostgreSQL database created through TEST_DATABASE_URL and dropped afterwards.
 */
export type EngineName = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL;
export const ENGINES: EngineName[] = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

let warned = false;
function warnSkipped() {
  if (POSTGRES_URL || warned) return;
  warned = true;
  // A laptop without PostgreSQL still runs everything else; CI always sets TEST_DATABASE_URL.
  process.stderr.write('PostgreSQL suites skipped: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)\n');
}

export interface TestDatabase {
  engine: EngineName;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-test-'));
    return { engine, url: `sqlite:${path.join(dir, 'tollgate.db')}`, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    engine,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh, migrated store for one test; closed and dropped by the returned cleanup. */
export async function freshStore(engine: EngineName): Promise<{ store: Store; database: TestDatabase; cleanup: () => Promise<void> }> {
  const database = await createTestDatabase(engine);
  const store = await openStore(database.url, { maxConnections: 4 });
  return {
    store,
    database,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

/** describe() once per engine, named so a failure says which. */
export function describeEachEngine(title: string, body: (engine: EngineName) => void): void {
  warnSkipped();
  for (const engine of ENGINES) describe(`${title} [${engine}]`, () => body(engine));
  if (!POSTGRES_URL) describe.skip(`${title} [postgres: skipped, TEST_DATABASE_URL not set]`, () => it.todo('runs with TEST_DATABASE_URL'));
}
