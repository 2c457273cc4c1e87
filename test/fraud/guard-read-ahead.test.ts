import { coversNeeds, historyNeeds, legFacts, type DialOut } from '../../src/fraud/recent-history';
import { parseStoredSettings } from '../../src/fraud/fraud-settings';
import { listIncidents } from '../../src/store/fraud-store';
import { COPY_IN, CopyIn, CopyingClient } from '../../src/store/pg-copy';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { freshStore, POSTGRES_URL } from '../support/engines';
import { ADMIN, leg, NUMBERS, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';

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
  const original = CopyingClient.prototype.query;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore('postgres'));
    ({ tollgate } = await setUpFraudTenant(store, {}, T));
    (CopyingClient.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function recorded(this: CopyingClient, ...args: unknown[]) {
      const [first, values] = args as [unknown, unknown[] | undefined];
      if (first === COPY_IN && values?.[0] instanceof CopyIn) sent.push(values[0].text.replace(/ \(.*$/, ''));
      else if (typeof first === 'object' && first !== null && 'name' in first && (first as { name?: string }).name) sent.push((first as { name: string }).name);
      else sent.push(String(typeof first === 'string' ? first : (first as { text: string }).text).trim().split(/\s+/)[0]!.toLowerCase());
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
