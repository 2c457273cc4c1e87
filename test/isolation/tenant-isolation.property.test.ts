import fc from 'fast-check';
import type restify from 'restify';
import type { Activity } from 'botbuilder';
import { formatMoney, microsToDecimalString } from '../../src/billing/money';
import { formatNumber } from '../../src/bot/cards/phone-display';
import { createServer } from '../../src/http/server';
import { silentLogger } from '../../src/observability/logger';
import { storeRateCardCsv } from '../../src/rates/rate-card-store';
import { createLegsLink } from '../../src/reports/signed-link';
import type { Store } from '../../src/store/database';
import { FixedClock } from '../../src/time/clock';
import { createTollgate, type Tollgate } from '../../src/tollgate';
import { createHarness, type Harness } from '../bot/support/bot-harness';
import { cli } from '../support/cli-runner';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, TEST_RATES_CSV } from '../support/fixtures';
import { closeServer, listenLocally } from '../support/http-server';
import { scaled } from '../support/time-scale';

/**
 * Tenant isolation as a property. Each run makes two or three tenants with random users, licenses, legs and credits,
 * every name, id, UPN, conference id and memo carrying the tenant's own marker word, every phone number its own.
 * Random users of each tenant then send random commands and click random card actions (some probing the other
 * tenants' meetings, users and numbers), and each tenant is exported with `tollgate export` and through a signed
 * legs.csv link. Nothing any tenant gets back (reply, card with its data, export, link) holds another tenant's marker,
 * number or money figure, except what the user typed in that very turn.
 */
interface Person {
  aad: string;
  upn: string;
  name: string;
  admin: boolean;
}

interface World {
  run: number;
  index: number;
  token: string;
  tenantId: string;
  users: Person[];
  conferences: string[];
  legIds: string[];
  numbers: string[];
  fundingMicros: number;
  moneyMarkers: string[];
}

const FIRST = ['Ann', 'Bo', 'Chen', 'Dara', 'Eli', 'Fay', 'Gus', 'Hana'];
const LICENSES = ['MCOMEETADV;MCOPSTNPP', 'MCOMEETADV', 'MCOMEETACPEA', 'MCOMEETADV;MCOPSTNPP;MCOEXTDIALOUT_USCA'];

/** A word of ten lowercase letters that no other tenant's word contains (fixed length, a counter in it). */
function tokenFor(serial: number, salt: string): string {
  let n = serial;
  let s = '';
  for (let i = 0; i < 4; i++) {
    s += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  }
  return `zq${s}${salt}`;
}

const capitalized = (word: string) => word[0]!.toUpperCase() + word.slice(1);

const tenantSpec = fc.record({
  salt: fc.stringMatching(/^[a-z]{4}$/),
  users: fc.array(fc.record({ first: fc.constantFrom(...FIRST), license: fc.nat(LICENSES.length - 1), country: fc.constantFrom('US', 'DE', 'GB'), admin: fc.boolean(), tollFree: fc.boolean() }), { minLength: 2, maxLength: 4 }),
  poolLicenses: fc.integer({ min: 0, max: 2 }),
  fundCents: fc.integer({ min: 0, max: 5_000_000 }),
  legs: fc.array(
    fc.record({
      user: fc.nat(),
      number: fc.nat(),
      conference: fc.nat(2),
      seconds: fc.integer({ min: 0, max: 3600 }),
      when: fc.constantFrom('2026-10-08', '2026-10-20', '2026-11-03', '2026-11-10', '2026-11-14'),
      callType: fc.constantFrom('conf_in', 'conf_out'),
      msCharge: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  steps: fc.array(fc.record({ kind: fc.nat(29), user: fc.nat(), pick: fc.nat(), cents: fc.integer({ min: 100, max: 99_999 }) }), { minLength: 4, maxLength: 10 }),
});
type TenantSpec = typeof tenantSpec extends fc.Arbitrary<infer U> ? U : never;

/** One step: a message or a card action, and the other tenants' strings it carries (its reply may quote them). */
type Step = { say: string; typed: string[] } | { verb: string; data: Record<string, unknown>; typed: string[] };

function stepFor(kind: number, x: World, o: World, pick: number, cents: number): Step {
  // `own` picks from this tenant's things, `other` from the other tenant's: the same pick, for readability.
  const own = <T>(list: T[]) => list[pick % list.length]!;
  const other = own;
  const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
  const say = (text: string, typed: string[] = []): Step => ({ say: text, typed });
  const act = (verb: string, data: Record<string, unknown>, typed: string[] = []): Step => ({ verb, data, typed });
  const upnOf = (p: Person) => p.upn;
  switch (kind) {
    case 0: return say('help');
    case 1: return say('balance');
    case 2: return say(own(['usage', 'usage last month', 'usage 2026-10', 'usage 28d']));
    case 3: return say('meetings');
    case 4: return say('meeting last');
    case 5: return say(`meeting ${own(x.conferences)}`);
    case 6: return say(`meeting ${other(o.conferences)}`, [other(o.conferences)]);
    case 7: return say(own(['rates Germany', 'rates GB', `rates ${own(x.numbers)}`]));
    case 8: { const n = other(o.numbers); return say(`rates ${n}`, [n, formatNumber(n)]); }
    case 9: return say('policy');
    case 10: return say(`policy ${upnOf(own(x.users))}`);
    case 11: return say(`policy ${upnOf(other(o.users))}`, [upnOf(other(o.users))]);
    case 12: return say(own(['reconcile', 'reconcile 2026-10', 'reconcile last month']));
    case 13: return say(`credits add ${amount}`);
    case 14: return say(own(['autorecharge on 50 200', 'autorecharge off']));
    case 15: return say(`alerts low-balance ${amount}`);
    case 16: return say(`tollfree ${upnOf(own(x.users))} ${own(['on', 'off'])}`);
    case 17: return say(`license ${upnOf(own(x.users))} ${own(['ppm', 'subscription +credits', 'none'])}`);
    case 18: return say(`license ${upnOf(other(o.users))} ppm`, [upnOf(other(o.users))]);
    case 19: return say(`admins add ${upnOf(other(o.users))}`, [upnOf(other(o.users))]);
    case 20: return say(`policy set ${upnOf(other(o.users))} DialoutCPCandPSTNDisabled`, [upnOf(other(o.users))]);
    case 21: return act('refresh.balance', {});
    case 22: return act('refresh.meetings', {});
    case 23: return act('show.meeting', { conferenceId: own(x.conferences) });
    case 24: return act('show.meeting', { conferenceId: other(o.conferences), tenantId: o.tenantId }, [other(o.conferences), o.tenantId]);
    case 25: return act('refresh.usage', { from: '2026-10-01T00:00:00.000Z', to: '2026-11-15T00:00:00.000Z', label: 'Oct 1 – Nov 14' });
    case 26: return act('refresh.reconcile', { month: own(['2026-10', '2026-11']) });
    case 27: return act('credits.add', { amount, memo: `PO ${x.token}` });
    case 28: return act('policy.set', { policy: 'DialoutCPCZoneAPSTNDomestic', target: upnOf(other(o.users)), tenantId: o.tenantId }, [upnOf(other(o.users)), o.tenantId]);
    default: return act('refresh.meeting', { conferenceId: other(o.conferences) }, [other(o.conferences)]);
  }
}

describeEachEngine('tenant isolation', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let databaseUrl: string;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;
  let server: restify.Server;
  let base: string;
  const worlds: World[] = [];
  let serial = 0;
  let numberSerial = 0;

  beforeAll(async () => {
    let database;
    ({ store, cleanup, database } = await freshStore(engine));
    databaseUrl = database.url;
    clock = new FixedClock(new Date('2026-11-15T12:00:00Z'));
    tollgate = createTollgate(store, clock, silentLogger, { chunkSize: 100 });
    h = createHarness(tollgate);
    server = createServer(tollgate, { maxBodyBytes: 1024 * 1024 });
    base = await listenLocally(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await cleanup();
  });

  const must = <T>(r: { ok: true; value: T } | { ok: false; message: string }): T => {
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };

  async function createWorld(run: number, index: number, spec: TenantSpec): Promise<World> {
    const token = tokenFor(serial++, spec.salt);
    const Token = capitalized(token);
    const tenantId = `tnt-${token}`;
    must(await tollgate.directory.initTenant({ tenantId, country: 'US', currency: 'USD', poolLicenses: spec.poolLicenses, name: `Org ${Token}` }, ADMIN));
    const rates = TEST_RATES_CSV.trim().split('\n').map((line, i) => (i === 0 ? line : line.replace(/^([^,]*,[^,]*,[^,]*,)([^,]*)/, `$1$2 ${Token}`))).join('\n');
    must(await store.inTransaction((tx) => storeRateCardCsv(tx, rates, { tenant_id: tenantId, currency: 'USD' })));
    const users: Person[] = spec.users.map((u, k) => ({ aad: `${token}-u${k}`, upn: `${u.first.toLowerCase()}${k}.${token}@${token}.example`, name: `${u.first} ${Token}${k}`, admin: k === 0 || u.admin }));
    const csv = ['aadObjectId,userPrincipalName,displayName,usageLocation,licenses,dialOutPolicy,tollFreeDialIn']
      .concat(spec.users.map((u, k) => `${users[k]!.aad},${users[k]!.upn},${users[k]!.name},${u.country},${LICENSES[u.license]},,${u.tollFree}`))
      .join('\n');
    must(await tollgate.directory.importUsersCsv(tenantId, csv, ADMIN));
    for (const u of users) if (u.admin) must(await tollgate.directory.setAdmin(tenantId, u.aad, true, ADMIN));
    // Money in a range of its own per tenant of a run: no figure of one can be another's by chance.
    const fundingMicros = ((index + 1) * 100_000 * 100 + spec.fundCents) * 10_000;
    must(await tollgate.ledger.fund(tenantId, fundingMicros, ADMIN, `PO ${Token}`));
    const numbers = Array.from({ length: 3 }, () => `+4930${20_000_000 + numberSerial++}`);
    const conferences = [0, 1, 2].map((c) => `${token}-m${c}`);
    const legIds = spec.legs.map((_, k) => `${token}-l${k}`);
    must(
      await tollgate.intake.ingest(
        tenantId,
        spec.legs.map((l, k) => {
          const user = users[l.user % users.length]!;
          const start = `${l.when}T${String(8 + k).padStart(2, '0')}:00:00Z`;
          return {
            id: legIds[k],
            callId: `${token}-c${k}`,
            callType: l.callType,
            calleeNumber: numbers[l.number % numbers.length],
            callerNumber: numbers[(l.number + 1) % numbers.length],
            userId: user.aad,
            userPrincipalName: user.upn,
            userDisplayName: user.name,
            conferenceId: conferences[l.conference],
            inventoryType: 'Toll',
            startDateTime: start,
            endDateTime: new Date(Date.parse(start) + l.seconds * 1000).toISOString(),
            duration: l.seconds,
            charge: l.msCharge === undefined ? null : l.msCharge / 100,
            currency: 'USD',
          };
        }),
      ),
    );
    return { run, index, token, tenantId, users, conferences, legIds, numbers, fundingMicros, moneyMarkers: [] };
  }

  /** The other tenant's strings: its marker word (in every id, and capitalized in every name), its numbers as stored and as shown. */
  const markersOf = (w: World) => [w.token, capitalized(w.token), ...w.numbers, ...w.numbers.map(formatNumber)];

  async function moneyOf(w: World): Promise<string[]> {
    const b = must(await tollgate.ledger.balance(w.tenantId));
    return [w.fundingMicros, b.balanceMicros].flatMap((m) => [formatMoney(m, 'USD'), microsToDecimalString(m)]);
  }

  function expectNothingOf(others: World[], sameRun: World[], owner: World, what: string, text: string, typed: string[]): void {
    let seen = text;
    for (const t of [...typed].sort((a, b) => b.length - a.length)) seen = seen.split(t).join('');
    const own = new Set([...markersOf(owner), ...owner.moneyMarkers]);
    const leaks: string[] = [];
    for (const o of others) {
      const money = sameRun.includes(o) ? o.moneyMarkers : [];
      for (const m of [...markersOf(o), ...money]) if (!own.has(m) && seen.includes(m)) leaks.push(`${m} (of ${o.tenantId})`);
    }
    expect({ owner: owner.tenantId, what, leaks }).toEqual({ owner: owner.tenantId, what, leaks: [] });
  }

  it('shows no tenant anything of another: replies, cards, exports and signed links', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(tenantSpec, { minLength: 2, maxLength: 3 }), async (specs) => {
        run += 1;
        const mine: World[] = [];
        for (const [i, spec] of specs.entries()) mine.push(await createWorld(run, i, spec));
        worlds.push(...mine);

        const outputs = new Map<World, { what: string; text: string; typed: string[] }[]>();
        for (const [i, x] of mine.entries()) {
          const others = worlds.filter((w) => w !== x);
          const out: { what: string; text: string; typed: string[] }[] = [];
          for (const s of specs[i]!.steps) {
            const o = others[s.pick % others.length]!;
            const step = stepFor(s.kind, x, o, s.pick, s.cents);
            const user = x.users[s.user % x.users.length]!;
            const from = { aadObjectId: user.aad, teamsId: `29:${user.aad}`, name: user.name };
            const replies: Partial<Activity>[] =
              'say' in step
                ? (await h.say(step.say, from, { tenantId: x.tenantId })).map((r) => r.activity)
                : [(await h.execute(step.verb, step.data, from, { tenantId: x.tenantId })).activity];
            expect(replies.length).toBeGreaterThan(0);
            out.push({ what: 'say' in step ? `"${step.say}"` : `${step.verb} ${JSON.stringify(step.data)}`, text: JSON.stringify(replies), typed: step.typed });
          }

          const env = { DATABASE_URL: databaseUrl };
          const legs = await cli(['export', '--tenant', x.tenantId, '--from', '2026-10-01', '--to', '2026-11-30'], env);
          expect(legs.code).toBe(0);
          // The export is complete (every leg of the tenant), so an empty one cannot pass for an isolated one.
          for (const id of x.legIds) expect(legs.out).toContain(id);
          out.push({ what: 'tollgate export', text: legs.out, typed: [] });
          const statement = await cli(['export', 'statement', '--tenant', x.tenantId], env);
          expect(statement.code).toBe(0);
          expect(statement.out).toContain(`PO ${capitalized(x.token)}`);
          out.push({ what: 'tollgate export statement', text: statement.out, typed: [] });
          const link = await createLegsLink(store.db, { tenant: x.tenantId, from: '2026-10-01', to: '2026-11-30' }, clock.now());
          const download = await fetch(`${base}${link}`);
          expect(download.status).toBe(200);
          const csv = await download.text();
          expect(csv).toBe(legs.out);
          out.push({ what: `link ${link}`, text: link + csv, typed: [] });
          outputs.set(x, out);
        }

        for (const x of mine) x.moneyMarkers = await moneyOf(x);
        for (const x of mine) {
          const others = worlds.filter((w) => w !== x);
          for (const { what, text, typed } of outputs.get(x)!) expectNothingOf(others, mine, x, what, text, typed);
        }
      }),
      { seed: 20_26_11, numRuns: engine === 'sqlite' ? 5 : 3 },
    );
  }, scaled(120_000));
});
