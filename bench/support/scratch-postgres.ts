import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A PostgreSQL database made for one benchmark on `serverUrl` (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * the local default), dropped afterwards; undefined when the server does not answer.
 */
export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export function benchPostgresServer(): string {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || LOCAL_POSTGRES;
}

export async function createScratchPostgres(serverUrl = benchPostgresServer(), prefix = 'tollgate_bench'): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
