import { coversNeeds, historyNeeds, legFacts, type DialOut } from '../../src/fraud/recent-history';
import { parseStoredSettings } from '../../src/fraud/fraud-settings';
import { listIncidents } from '../../src/store/fraud-store';
import { COPY_IN, CopyIn, CopyingClient } from '../../src/store/pg-copy';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { freshStore, POSTGRES_URL } from '../support/engines';
import { ADMIN, leg, NUMBERS, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';
import { FRAUD_INCIDENT_NOTICE, readAheadNeeds } from '../../src/fraud/fraud-guard';
import { ADMIN_NOTICE_KIND } from '../../src/notify/admin-notices';
import { listOutbox } from '../../src/store/outbox-store';
import { createTollgate } from '../../src/tollgate';
import { silentLogger } from '../../src/observability/logger';
import type { OrganizerProfile } from '../../src/billing/rate-leg';
import type { TenantRow } from '../../src/store/tenant-store';
import type { CallRecord } from '../../src/usage/call-record';
import { seededRandom } from '../support/seeded-random';

/**
 * The guard's first read of a chunk goes out before the legs' COPY (FraudGuard.beforeRating), on PostgreSQL: once per
 * chunk, ahead of the COPY, and onSettled uses its answer instead of reading again when it covers the chunk's legs.
 */

const describePostgres = POSTGRES_URL ? describe : describe.skip;

describePostgres('the guard reads ahead of the legs on PostgreSQL', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  const T = 'tenant-read-ahead';
  /** What each connection was asked to run, in order: prepared statements by name, COPYs by table, the rest by verb. */
  let sent: string[] = [];
  /** The text of every statement that was not a prepared one. */
  let texts: string[] = [];
  const original = CopyingClient.prototype.query;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore('postgres'));
    ({ tollgate } = await setUpFraudTenant(store, {}, T));
    (CopyingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function recorded(this: CopyingClient, ...args: unknown[]) {
      const [first, values] = args as [unknown, unknown[] | undefined];
      if (first === COPY_IN && values?.[0] instanceof CopyIn) sent.push(values[0].text.replace(/ \(.*$/, ''));
      else if (typeof first === 'object' && first !== null && 'name' in first && (first as { name?: string }).name) sent.push((first as { name: string }).name);
      else {
        const text = String(typeof first === 'string' ? first : (first as { text: string }).text);
        texts.push(text);
        sent.push(text.trim().split(/\s+/)[0]!.toLowerCase());
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  });
  afterAll(async () => {
    CopyingClient.prototype.query = original;
    await cleanup();
  });

  it('sends the read once per chunk, before the COPY of its legs, and the guard still finds what it should', async () => {
    sent = [];
    const r = await tollgate.intake.ingest(T, [
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z' }),
      leg({ number: NUMBERS.usLandline, seconds: 300, start: '2026-11-10T16:06:00Z' }),
    ]);
    expect(r.ok && r.value.accepted).toBe(2);
    const read = sent.indexOf('tollgate.fraud.loadGuardState');
    expect(read).toBeGreaterThanOrEqual(0);
    expect(sent.filter((s) => s === 'tollgate.fraud.loadGuardState')).toHaveLength(1);
    expect(sent.indexOf('COPY "legs"')).toBeGreaterThan(read);
    expect((await listIncidents(store.db, T, ['open'])).map((i) => [i.organizer_id, i.pattern])).toEqual([[USERS.sub, 'premium_rate']]);
  });

  it("brings the organizers' open and dismissed incidents with that read: a chunk that extends one, or that a dismissal keeps quiet, reads no incidents of its own", async () => {
    const premium = await listIncidents(store.db, T, ['open']);
    expect(premium).toHaveLength(1);
    sent = [];
    const more = await tollgate.intake.ingest(T, [leg({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 300, start: '2026-11-10T16:30:00Z' })]);
    expect(more.ok && more.value.accepted).toBe(1);
    expect(sent.filter((s) => s === 'tollgate.fraud.loadGuardState')).toHaveLength(1);
    expect(sent).not.toContain('tollgate.fraud.openAndDismissedIncidents');
    // The leg extended the open incident (it did not open a second one for the same organizer and pattern).
    const extended = await listIncidents(store.db, T, ['open']);
    expect(extended.map((i) => [i.id, i.legs])).toEqual([[premium[0]!.id, 2]]);

    const dismissed = await tollgate.fraud.decide(T, premium[0]!.id, 'dismiss', ADMIN);
    expect(dismissed.ok).toBe(true);
    sent = [];
    const quiet = await tollgate.intake.ingest(T, [leg({ number: FRAUD_NUMBERS.ukPremium(2), seconds: 300, start: '2026-11-10T16:45:00Z' })]);
    expect(quiet.ok && quiet.value.accepted).toBe(1);
    expect(sent).not.toContain('tollgate.fraud.openAndDismissedIncidents');
    // The same episode (the same premium prefix), dismissed: nothing opens again.
    expect(await listIncidents(store.db, T, ['open'])).toEqual([]);
  });

  it("brings the tenant's admins with that read too: a chunk that opens an incident queues every admin's notice without reading them", async () => {
    texts = [];
    sent = [];
    const r = await tollgate.intake.ingest(T, [leg({ number: FRAUD_NUMBERS.ukPremium(3), seconds: 300, start: '2026-11-10T17:30:00Z', organizer: USERS.addon })]);
    expect(r.ok && r.value.accepted).toBe(1);
    const opened = (await listIncidents(store.db, T, ['open'])).filter((i) => i.organizer_id === USERS.addon);
    expect(opened.map((i) => i.pattern)).toEqual(['premium_rate']);
    expect(sent.filter((s) => s === 'tollgate.fraud.loadGuardState')).toHaveLength(1);
    expect(texts.filter((t) => /is_admin/.test(t))).toEqual([]);
    // u-addon is the tenant's admin (setUpFraudTenant): its notice of the new incident is queued.
    const notices = (await listOutbox(store.db, T)).filter((o) => o.kind === ADMIN_NOTICE_KIND).map((o) => JSON.parse(o.payload));
    expect(notices.filter((n) => n.key === opened[0]!.id)).toEqual([{ notice: FRAUD_INCIDENT_NOTICE, key: opened[0]!.id, adminId: USERS.addon }]);
  });

  it('counts the TOLLGATE_ADMINS entries among those admins: an AAD id as given, a UPN (any case) through the directory', async () => {
    const withBootstrap = createTollgate(store, tollgate.clock, silentLogger, { bootstrapAdmins: ['PPM@Contoso.example', 'aad-boot'], ledgerAlerts: false });
    texts = [];
    const r = await withBootstrap.intake.ingest(T, [leg({ number: FRAUD_NUMBERS.ukPremium(4), seconds: 300, start: '2026-11-10T17:40:00Z', organizer: USERS.ppm })]);
    expect(r.ok && r.value.accepted).toBe(1);
    expect(texts.filter((t) => /is_admin/.test(t))).toEqual([]);
    const [opened] = (await listIncidents(store.db, T, ['open'])).filter((i) => i.organizer_id === USERS.ppm);
    const notices = (await listOutbox(store.db, T)).filter((o) => o.kind === ADMIN_NOTICE_KIND).map((o) => JSON.parse(o.payload));
    expect(notices.filter((n) => n.key === opened!.id).map((n) => n.adminId).sort()).toEqual(['aad-boot', USERS.addon, USERS.ppm].sort());
  });

  it('reads nothing ahead for a chunk without dial-outs', async () => {
    sent = [];
    const r = await tollgate.intake.ingest(T, [leg({ callType: 'conf_in', number: NUMBERS.usLandline, seconds: 300, start: '2026-11-10T17:00:00Z' })]);
    expect(r.ok && r.value.accepted).toBe(1);
    expect(sent.filter((s) => s.startsWith('tollgate.fraud.'))).toEqual([]);
  });
});

describe('coversNeeds', () => {
  const settings = parseStoredSettings(null);
  const dialOut = (organizerKey: string, start: string, seconds: number, digits = '442071234567'): { leg: DialOut; facts: ReturnType<typeof legFacts> } => {
    const leg: DialOut = {
      legId: `${organizerKey}-${start}`,
      organizerKey,
      organizerCountry: 'GB',
      startMs: Date.parse(start),
      durationSeconds: seconds,
      destinationCountry: 'GB',
      digits,
      ratePerMinuteMicros: null,
      chargeMicros: 0,
      conferenceId: null,
    };
    return { leg, facts: legFacts(leg, settings) };
  };
  const needs = (...legs: ReturnType<typeof dialOut>[]) => historyNeeds(legs, { allRanges: false });
  const a = dialOut('alice', '2026-11-10T10:00:00Z', 30);
  const b = dialOut('bob', '2026-11-11T10:00:00Z', 600, '33123456789');

  it('holds when the rows read are for the same legs or more', () => {
    expect(coversNeeds(needs(a, b), needs(a, b))).toBe(true);
    expect(coversNeeds(needs(a, b), needs(a))).toBe(true);
    expect(coversNeeds(needs(a, b), needs(b))).toBe(true);
  });

  it('fails for an organizer, a day or a short-call range the read did not ask for', () => {
    expect(coversNeeds(needs(a), needs(a, b))).toBe(false);
    expect(coversNeeds(needs(a), needs(dialOut('alice', '2026-11-12T10:00:00Z', 600)))).toBe(false); // a later day
    expect(coversNeeds(needs(a), needs(dialOut('carol', '2026-11-10T10:00:00Z', 600)))).toBe(false); // another organizer
    expect(coversNeeds(needs(a), needs(dialOut('alice', '2026-11-10T11:00:00Z', 30, '4915112345678')))).toBe(false); // another range
  });
});

describe("the read-ahead's rows, chosen from the records before rating", () => {
  const tenant = { tenant_id: 'tenant-x', country: 'US' } as TenantRow;
  const profile = (id: string, usageLocation: string): OrganizerProfile => ({ id, usageLocation, licenses: [], tollFreeDialIn: true });
  // Organizers from 12 hours behind UTC to 14 ahead (the zones an admin can set per country, besides the built-in ones).
  const organizers = new Map<string, OrganizerProfile>(
    [profile('far-west', 'AS'), profile('far-east', 'KI'), profile('chicago', 'US'), profile('tokyo', 'JP'), profile('auckland', 'NZ'), profile('london', 'GB')].map((p) => [p.id, p]),
  );
  const zones = { AS: 'Etc/GMT+12', KI: 'Pacific/Kiritimati' };

  it("cover every row the legs' facts need, whatever the zones, night hours, durations and ranges (so onSettled reads nothing again)", () => {
    const rand = seededRandom(20261124);
    const ids = [...organizers.keys()];
    for (let round = 0; round < 300; round++) {
      const settings = {
        ...parseStoredSettings(null),
        timeZones: zones,
        nightStartHour: Math.floor(rand() * 24),
        nightEndHour: Math.floor(rand() * 24),
        shortCallSeconds: 30 + Math.floor(rand() * 300),
        rangeDigits: 1 + Math.floor(rand() * 5),
      };
      const first = Date.parse('2026-11-10T00:00:00Z') + Math.floor(rand() * 86_400_000);
      const records: CallRecord[] = [];
      const legs: { leg: DialOut; facts: ReturnType<typeof legFacts> }[] = [];
      for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n; i++) {
        const id = ids[Math.floor(rand() * ids.length)]!;
        const startMs = first + Math.floor(rand() * 3 * 86_400_000);
        // Mostly short and ordinary calls, now and then one of many hours.
        const durationSeconds = rand() < 0.1 ? Math.floor(rand() * 40 * 3600) : Math.floor(rand() * 900);
        const digits = `44207${String(Math.floor(rand() * 1e7)).padStart(7, '0')}`;
        records.push({ id: `r${i}`, callType: 'conf_out', rated: true, calleeNumber: `+${digits}`, organizerId: id, organizerUpn: null, startMs, durationSeconds } as CallRecord);
        const leg: DialOut = { legId: `r${i}`, organizerKey: id, organizerCountry: organizers.get(id)!.usageLocation, startMs, durationSeconds, destinationCountry: 'GB', digits, ratePerMinuteMicros: null, chargeMicros: 0, conferenceId: null };
        legs.push({ leg, facts: legFacts(leg, settings) });
      }
      const wanted = historyNeeds(legs, { allRanges: false });
      const read = readAheadNeeds(records, tenant, organizers, settings)!;
      if (!coversNeeds(read, wanted)) throw new Error(`round ${round}: ${JSON.stringify({ read, wanted, settings: { ...settings, timeZones: undefined } })}`);
    }
  });

  it('reaches back two days for a night that began the day before yesterday (UTC) where the organizer is', () => {
    // 01:00 UTC on the 10th is 13:00 on the 9th twelve hours behind; with nights from 22:00 to 14:00 that is the night
    // that began on the 8th.
    const settings = { ...parseStoredSettings(null), timeZones: zones, nightStartHour: 22, nightEndHour: 14 };
    const startMs = Date.parse('2026-11-10T01:00:00Z');
    const leg: DialOut = { legId: 'r', organizerKey: 'far-west', organizerCountry: 'AS', startMs, durationSeconds: 600, destinationCountry: 'GB', digits: '442071234567', ratePerMinuteMicros: null, chargeMicros: 0, conferenceId: null };
    expect(legFacts(leg, settings).night).toBe('2026-11-08');
    const record = { id: 'r', callType: 'conf_out', rated: true, calleeNumber: '+442071234567', organizerId: 'far-west', organizerUpn: null, startMs, durationSeconds: 600 } as CallRecord;
    expect(readAheadNeeds([record], tenant, organizers, settings)!.dayRange).toEqual(['2026-11-08', '2026-11-11']);
  });

  it('reads nothing for records without a rated dial-out with a number', () => {
    const settings = parseStoredSettings(null);
    const base = { id: 'r', rated: true, calleeNumber: '+442071234567', organizerId: 'london', organizerUpn: null, startMs: Date.parse('2026-11-10T10:00:00Z'), durationSeconds: 60 };
    const records = [{ ...base, callType: 'conf_in' }, { ...base, callType: 'conf_out', rated: false }, { ...base, callType: 'conf_out', calleeNumber: null }] as CallRecord[];
    expect(readAheadNeeds(records, tenant, organizers, settings)).toBeUndefined();
  });
});
