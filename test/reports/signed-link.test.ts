import type restify from 'restify';
import { parse } from 'csv-parse/sync';
import { createServer } from '../../src/http/server';
import { createLegsLink, reportSecret } from '../../src/reports/signed-link';
import type { Store } from '../../src/store/database';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

describeEachEngine('signed legs.csv links', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let server: restify.Server;
  let base: string;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '10' }));
    await setUpTenant(store, {}, 'tenant-b');
    const records = [
      leg({ id: 'a1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, start: '2026-11-10T10:00:00Z' }),
      leg({ id: 'a2', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-12T10:00:00Z' }),
    ];
    const { records: valid } = tollgate.intake.validate(records, 0);
    const settled = await tollgate.intake.settle(T, valid);
    if (!settled.ok) throw new Error(settled.message);
    server = createServer(tollgate, { maxBodyBytes: 64 * 1024 });
    base = await listenLocally(server);
  });
  afterEach(async () => {
    await closeServer(server);
    await cleanup();
  });

  const link = () => createLegsLink(store.db, { tenant: T, from: '2026-11-01', to: '2026-11-30' }, clock.now());

  it('serves the legs CSV for a valid link', async () => {
    const res = await fetch(`${base}${await link()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows: string[][] = parse(await res.text());
    expect(rows[0]![0]).toBe('UsageId');
    expect(rows.slice(1).map((r) => r[0])).toEqual(['a1', 'a2']);
  });

  it('refuses an expired link', async () => {
    const path = await link();
    clock.advance(5 * 60 * 1000 + 1000);
    expect((await fetch(`${base}${path}`)).status).toBe(403);
  });

  it("refuses a link used for another tenant's legs", async () => {
    const path = (await link()).replace(`tenant=${T}`, 'tenant=tenant-b');
    expect(path).toContain('tenant=tenant-b');
    expect((await fetch(`${base}${path}`)).status).toBe(403);
  });

  it('refuses a tampered link: range, expiry or signature changed, or no signature', async () => {
    const path = await link();
    const url = new URL(`${base}${path}`);
    const variants: [string, string][] = [
      ['to', '2026-12-31'],
      ['from', '2026-10-01'],
      ['expires', String(Number(url.searchParams.get('expires')) + 60)],
      ['sig', `${url.searchParams.get('sig')!.slice(0, -1)}${url.searchParams.get('sig')!.endsWith('0') ? '1' : '0'}`],
      ['sig', ''],
    ];
    for (const [name, value] of variants) {
      const u = new URL(url);
      u.searchParams.set(name, value);
      expect([name, (await fetch(u)).status]).toEqual([name, 403]);
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it('keeps one secret for every replica, made on first use', async () => {
    const a = await reportSecret(store.db, clock.now());
    const b = await reportSecret(store.db, clock.now());
    expect(a.equals(b)).toBe(true);
    expect(a).toHaveLength(32);
  });
});
