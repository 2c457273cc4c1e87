import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Store } from '../../src/store/database';
import { describeEachEngine, freshStore } from '../support/engines';
import { setUpTenant, T } from '../support/fixtures';
import { CLIENT_ID, CLIENT_SECRET, startFakeGraph, type FakeGraph } from './support/fake-graph';
import { pstnRows } from './support/pstn-rows';
import { freePort } from '../../scripts/playground-processes';

const ROOT = path.join(__dirname, '..', '..');


describeEachEngine('the server with GRAPH_SYNC_INTERVAL_MINUTES', (engine) => {
  let fake: FakeGraph;
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    fake = await startFakeGraph({ pageSize: 2 });
    let database;
    ({ store, database, cleanup } = await freshStore(engine));
    url = database.url;
    await setUpTenant(store, { fund: '20' });
  });
  afterEach(async () => {
    await cleanup();
    await fake.close();
  });

  it('syncs every tenant in the background from start, and stops cleanly on SIGTERM', async () => {
    // Calls of the last few days: the first background run reads 7 days back.
    fake.rows.set(T, pstnRows(5, new Date(Date.now() - 3 * 24 * 60 * 60 * 1000)));
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src', 'index.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(await freePort()),
        DATABASE_URL: url,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        GRAPH_CLIENT_ID: CLIENT_ID,
        GRAPH_CLIENT_SECRET: CLIENT_SECRET,
        GRAPH_BASE_URL: fake.graphBaseUrl,
        LOGIN_BASE_URL: fake.loginBaseUrl,
        GRAPH_SYNC_INTERVAL_MINUTES: '60',
        NODE_EXTRA_CA_CERTS: fake.caFile,
      },
    });
    let logs = '';
    child.stdout!.on('data', (c: Buffer) => (logs += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (logs += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const until = Date.now() + 30_000;
      while (!/Graph sync pass done/.test(logs)) {
        if (Date.now() > until) throw new Error(`no sync pass in the server's log:\n${logs}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const pass = logs.split('\n').find((l) => l.includes('Graph sync pass done'))!;
    expect(JSON.parse(pass)).toMatchObject({ tenantId: T, pages: 3, records: 5, complete: true });
    expect(logs).toMatch(/Graph call-record sync on/);
    const legs = await store.db.selectFrom('legs').select('id').where('tenant_id', '=', T).execute();
    expect(legs).toHaveLength(5);
  });
});
