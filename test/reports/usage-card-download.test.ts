import type restify from 'restify';
import { parse } from 'csv-parse/sync';
import { createServer } from '../../src/http/server';
import { coveringDays } from '../../src/reports/legs-download';
import type { Store } from '../../src/store/database';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { expectValidCard } from '../bot/cards/expect-valid-card';
import { createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, setUpTenant } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';

const B = 'tenant-b';
const admin: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };
const organizer: Person = { aadObjectId: USERS.ppm, teamsId: '29:ppm', name: 'Pay PerMinute' };
const adminOfB: Person = { aadObjectId: USERS.addon, teamsId: '29:addon-b', name: 'Add On' };

/** Every Action.OpenUrl of a card. */
function openUrls(card: unknown): { title: string; url: string }[] {
  const out: { title: string; url: string }[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'Action.OpenUrl') out.push({ title: String(o.title), url: String(o.url) });
    Object.values(o).forEach(visit);
  };
  visit(card);
  return out;
}

describe('coveringDays', () => {
  it.each([
    [{ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }, { from: '2026-11-01', to: '2026-11-30' }],
    [{ from: '2026-11-08T12:30:00.000Z', to: '2026-11-15T12:30:00.001Z' }, { from: '2026-11-08', to: '2026-11-15' }],
    [{ from: '2026-11-08T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' }, { from: '2026-11-08', to: '2026-11-08' }],
  ])('%j → %j', (range, days) => expect(coveringDays(range)).toEqual(days));
});

describeEachEngine('usage card: Download CSV', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let server: restify.Server;
  let base: string;
  let h: Harness;

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '100' }));
    await setUpTenant(store, { fund: '100' }, B);
    for (const [tenant, user] of [[T, USERS.sub], [B, USERS.addon]] as const) {
      const r = await tollgate.directory.setAdmin(tenant, user, true, ADMIN);
      if (!r.ok) throw new Error(r.message);
    }
    const a = await tollgate.intake.ingest(T, [
      leg({ id: 'a-oct', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-10-31T23:59:59Z' }),
      leg({ id: 'a-nov-1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 120, start: '2026-11-01T00:00:00Z' }),
      leg({ id: 'a-nov-2', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 60, start: '2026-11-12T10:00:00Z' }),
      leg({ id: 'a-dec', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-12-01T00:00:00Z' }),
    ]);
    const b = await tollgate.intake.ingest(B, [leg({ id: 'b-nov', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 60, start: '2026-11-05T10:00:00Z' })]);
    if (!a.ok || !b.ok || a.value.accepted !== 4 || b.value.accepted !== 1) throw new Error('seed failed');
    server = createServer(tollgate, { maxBodyBytes: 64 * 1024 });
    base = await listenLocally(server);
    h = createHarness(tollgate, { publicBaseUrl: base });
  });
  afterEach(async () => {
    await closeServer(server);
    await cleanup();
  });

  const usageCard = async (text: string, from: Person, tenantId = T) => {
    const replies = await h.say(text, from, { tenantId });
    expect(replies).toHaveLength(1);
    return replies[0]!;
  };

  it("gives an admin a link to the CSV of their tenant's legs for the card's period, from the real server", async () => {
    const reply = await usageCard('usage 2026-11', admin);
    expectValidCard(reply.card);
    const links = openUrls(reply.card);
    expect(links).toHaveLength(1);
    expect(links[0]!.title).toBe('Download CSV');
    const url = new URL(links[0]!.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/api/reports/legs.csv`);
    expect(Object.fromEntries([...url.searchParams].filter(([k]) => k !== 'expires' && k !== 'sig'))).toEqual({ tenant: T, from: '2026-11-01', to: '2026-11-30' });
    expect(reply.text).toContain('The link works for 5 minutes');

    const res = await fetch(url);
    expect(res.status).toBe(200);
    const [header, ...rows] = parse(await res.text()) as string[][];
    expect(header![0]).toBe('UsageId');
    expect(rows.map((r) => r[0])).toEqual(['a-nov-1', 'a-nov-2']);
  });

  it('refuses the same link once it has expired; a refreshed card brings a new one that works', async () => {
    const reply = await usageCard('usage 2026-11', admin);
    const url = openUrls(reply.card)[0]!.url;
    clock.advance(5 * 60 * 1000 + 1000);
    expect((await fetch(url)).status).toBe(403);
    const refreshed = await h.execute('refresh.usage', (reply.card.refresh as { action: { data: Record<string, unknown> } }).action.data, admin);
    const fresh = openUrls(refreshed.card)[0]!.url;
    expect(fresh).not.toBe(url);
    expect((await fetch(fresh)).status).toBe(200);
  });

  it("names only the caller's tenant: another tenant's admin gets a link to their own legs, and the link cannot be turned to another tenant", async () => {
    const mine = await usageCard('usage 2026-11', admin);
    const theirs = await usageCard('usage 2026-11', adminOfB, B);
    expect(JSON.stringify(mine.card)).not.toContain(B);
    expect(JSON.stringify(theirs.card)).not.toContain(T);
    const theirUrl = new URL(openUrls(theirs.card)[0]!.url);
    expect(theirUrl.searchParams.get('tenant')).toBe(B);
    const [, ...rows] = parse(await (await fetch(theirUrl)).text()) as string[][];
    expect(rows.map((r) => r[0])).toEqual(['b-nov']);
    const swapped = new URL(openUrls(mine.card)[0]!.url);
    swapped.searchParams.set('tenant', B);
    expect((await fetch(swapped)).status).toBe(403);
  });

  it('covers whole UTC days for the rolling periods, and this month to its end', async () => {
    clock.set(new Date('2026-11-12T15:00:00Z'));
    const week = new URL(openUrls((await usageCard('usage 7d', admin)).card)[0]!.url);
    expect([week.searchParams.get('from'), week.searchParams.get('to')]).toEqual(['2026-11-05', '2026-11-12']);
    const month = new URL(openUrls((await usageCard('usage', admin)).card)[0]!.url);
    expect([month.searchParams.get('from'), month.searchParams.get('to')]).toEqual(['2026-11-01', '2026-11-30']);
  });

  it('shows organizers who are not admins no download: the CSV holds every organizer\'s calls', async () => {
    const reply = await usageCard('usage 2026-11', organizer);
    expectValidCard(reply.card);
    expect(openUrls(reply.card)).toEqual([]);
    expect(JSON.stringify(reply.card)).not.toContain('/api/reports/');
    expect(reply.text).not.toContain('Download CSV');
  });

  it('offers no download when the server has no public address', async () => {
    const noBase = createHarness(tollgate);
    const [reply] = await noBase.say('usage 2026-11', admin);
    expect(openUrls(reply!.card)).toEqual([]);
  });
});
