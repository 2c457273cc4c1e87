import { EXPORT_LEG_CELLS, legPages } from '../../src/reports/legs-report';
import { sqlitePagesInWorker } from '../../src/reports/sqlite-pages';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';

/**
 * The export reads a range's legs in pages by (start_at, id), each page seeking to where the last one ended. Every
 * leg of the range comes exactly once and in order, whatever the page size, also when a page ends inside a run of
 * legs that started at the same instant.
 */
describeEachEngine('legs export paging', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    const starts = [
      '2026-10-31T23:59:59.999Z', // before the range
      ...Array(7).fill('2026-11-01T00:00:00.000Z'), // seven at the range's first instant
      '2026-11-02T08:00:00.000Z',
      ...Array(5).fill('2026-11-03T09:30:00.000Z'),
      '2026-11-05T10:00:00.000Z',
      ...Array(4).fill('2026-11-30T23:59:59.999Z'), // at the range's last instant
      '2026-12-01T00:00:00.000Z', // after it
    ];
    const rows = starts.map((start, i) =>
      leg({ id: `p-${String((i * 7919) % 101).padStart(3, '0')}`, callType: 'conf_out', number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 60, start }),
    );
    const r = await tollgate.intake.ingest(T, rows);
    if (!r.ok || r.value.accepted !== rows.length) throw new Error('set-up failed');
  });
  afterAll(async () => cleanup());

  const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

  it.each([1, 2, 3, 5, 7, 100])('pages of %i: every leg of the range once, by start then id', async (pageSize) => {
    const expected = (
      await store.db.selectFrom('legs').select(['id', 'start_at']).where('tenant_id', '=', T).where('start_at', '>=', range.from).where('start_at', '<', range.to).execute()
    )
      .sort((a, b) => (a.start_at < b.start_at ? -1 : a.start_at > b.start_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((l) => l.id);
    expect(expected).toHaveLength(18);
    const pages: string[][] = [];
    for await (const page of legPages(store, T, range, pageSize)) pages.push(page.map((l) => l[EXPORT_LEG_CELLS.indexOf('id')]!));
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.length === pageSize)).toBe(true);
  });
});

/**
 * An export is one snapshot: on a SQLite file its pages are read by a worker thread in one read transaction, on
 * PostgreSQL in one read-only REPEATABLE READ transaction. Legs written while it runs are not in it (they are in the
 * next export), and the reader (the worker; the transaction and its connection) stops with the export, early or on an
 * error.
 */
describeEachEngine('legs export: one snapshot', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
  const ids = async (pageSize: number, between?: () => Promise<void>) => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of legPages(store, T, range, pageSize)) {
      seen.push(...page.map((l) => l[EXPORT_LEG_CELLS.indexOf('id')]!));
      if (pages++ === 0) await between?.();
    }
    return seen;
  };

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate } = await setUpTenant(store, { fund: '100' }));
    const rows = Array.from({ length: 12 }, (_, i) => leg({ id: `s-${String(i).padStart(2, '0')}`, callType: 'conf_out', number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 60, start: `2026-11-${String(i + 2).padStart(2, '0')}T10:00:00.000Z` }));
    const r = await tollgate.intake.ingest(T, rows);
    if (!r.ok || r.value.accepted !== rows.length) throw new Error('set-up failed');
  });
  afterAll(async () => cleanup());

  it('leaves out legs written after it started, also in pages it had not read yet', async () => {
    if (engine === 'sqlite') expect(store.sqlite?.file).toBeDefined();
    const late = leg({ id: 's-late', callType: 'conf_out', number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 60, start: '2026-11-29T10:00:00.000Z' });
    const during = await ids(2, async () => {
      const r = await tollgate.intake.ingest(T, [late]);
      if (!r.ok || r.value.accepted !== 1) throw new Error('the late leg was not taken');
    });
    expect(during).toEqual(Array.from({ length: 12 }, (_, i) => `s-${String(i).padStart(2, '0')}`));
    expect(await ids(2)).toContain('s-late');
  });

  it('stops its reader when the export stops early, and the next export reads everything', async () => {
    for await (const page of legPages(store, T, range, 1)) {
      expect(page).toHaveLength(1);
      break;
    }
    expect(await ids(5)).toHaveLength(13);
  });

  if (engine === 'postgres') {
    it('gives its connection back when it stops early: no transaction left open', async () => {
      for await (const page of legPages(store, T, range, 1)) {
        expect(page).toHaveLength(1);
        break;
      }
      const open = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(store.db);
      expect(open.rows[0]!.n).toBe(0);
    });
  }
});

describe('legs export on a SQLite file: read by a worker', () => {
  const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore('sqlite'));
  });
  afterAll(async () => cleanup());

  it("fails with SQLite's error when the reader cannot read the file", async () => {
    const pages = sqlitePagesInWorker({ file: `${store.sqlite!.file}.missing`, first: 'SELECT 1', next: 'SELECT 1', params: { tenantId: T, ...range }, pageSize: 10 });
    await expect(pages.next()).rejects.toMatchObject({ code: 'SQLITE_CANTOPEN' });
  });
});
