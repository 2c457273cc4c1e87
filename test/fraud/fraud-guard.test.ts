import { authorizeCall } from '../../src/authorization/authorize-call';
import { FraudGuard, FRAUD_INCIDENT_NOTICE } from '../../src/fraud/fraud-guard';
import { silentLogger } from '../../src/observability/logger';
import { createTollgate } from '../../src/tollgate';
import { backfillFraudRollups } from '../../src/store/fraud-migration';
import { migrateDownTo, migrateToLatest } from '../../src/store/migrations';
import { ADMIN_NOTICE_KIND } from '../../src/notify/admin-notices';
import type { Store } from '../../src/store/database';
import { insertIncidents, listIncidents, saveChunk, type FraudIncidentRow } from '../../src/store/fraud-store';
import { listOutbox } from '../../src/store/outbox-store';
import type { Tollgate } from '../../src/tollgate';
import { describeEachEngine, freshStore } from '../support/engines';
import { leg, NUMBERS, USERS } from '../support/fixtures';
import { FRAUD_NUMBERS, setUpFraudTenant } from './support';
import { rebuildSpendRollup, spendBreakdown } from '../../src/store/spend-rollup-store';

describeEachEngine('the toll-fraud guard in intake', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  // One database per engine; every test gets a tenant of its own in it.
  let T = '';
  let tenants = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await freshStore(engine));
  });
  afterAll(async () => cleanup());
  beforeEach(async () => {
    tenants += 1;
    T = `tenant-${tenants}`;
    ({ tollgate } = await setUpFraudTenant(store, {}, T));
  });

  const ingest = async (rows: Record<string, unknown>[]) => {
    const r = await tollgate.intake.ingest(T, rows);
    if (!r.ok) throw new Error(r.message);
    expect(r.value.rejected).toEqual([]);
    return r.value;
  };
  const open = () => listIncidents(store.db, T, ['open']);
  const notices = async () => (await listOutbox(store.db, T)).filter((o) => o.kind === ADMIN_NOTICE_KIND).map((o) => JSON.parse(o.payload));

  it('opens one incident per organizer and pattern; later legs extend it (legs, cost so far, meetings), the admins are told once', async () => {
    await ingest([
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z', conferenceId: 'conf-a' }),
      leg({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 1200, start: '2026-11-10T16:05:00Z', conferenceId: 'conf-a' }),
      leg({ number: NUMBERS.usLandline, seconds: 300, start: '2026-11-10T16:06:00Z', conferenceId: 'conf-a' }),
    ]);
    let incidents = await open();
    expect(incidents).toHaveLength(1);
    const first = incidents[0]!;
    expect(first).toMatchObject({ organizer_id: USERS.sub, pattern: 'premium_rate', status: 'open', legs: 2, block_target: '+449' });
    expect(Number(first.cost_micros)).toBe(45_000_000); // 10 + 20 min at $1.50
    expect(JSON.parse(first.detail)).toEqual({ pattern: 'premium_rate', ratePerMinuteMicros: 1_500_000, ceilingMicros: 1_000_000 });
    // One card per admin, queued with the incident: u-addon is the tenant's admin.
    expect(await notices()).toEqual([{ notice: FRAUD_INCIDENT_NOTICE, key: first.id, adminId: USERS.addon }]);

    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(2), seconds: 120, start: '2026-11-11T17:00:00Z', conferenceId: 'conf-b' })]);
    incidents = await open();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: first.id, legs: 3, first_leg_at: '2026-11-10T16:00:00.000Z', last_leg_at: '2026-11-11T17:00:00.000Z' });
    expect(Number(incidents[0]!.cost_micros)).toBe(48_000_000);
    const view = await tollgate.fraud.incident(T, first.id);
    expect(view.ok && view.value.meetings.map((m) => [m.conferenceId, m.legs])).toEqual([['conf-b', 1], ['conf-a', 2]]);
    expect(await notices()).toHaveLength(1);
  });

  it('a leg that matches two patterns joins one incident of each; another organizer gets incidents of their own', async () => {
    // Before the tenant's history is 14 days old no country is "new": start it in September, with the UK.
    await ingest([
      leg({ number: NUMBERS.usLandline, seconds: 60, start: '2026-09-01T15:00:00Z' }),
      leg({ number: NUMBERS.gbLandline, seconds: 60, start: '2026-09-01T15:05:00Z' }),
    ]);
    await ingest([
      leg({ number: FRAUD_NUMBERS.nigeria, seconds: 300, start: '2026-11-10T15:00:00Z' }),
      leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 60, start: '2026-11-10T15:10:00Z', organizer: USERS.addon }),
    ]);
    const byKey = (await open()).map((i) => `${i.organizer_id} ${i.pattern}`).sort();
    expect(byKey).toEqual([`${USERS.addon} premium_rate`, `${USERS.sub} new_country`]);
  });

  it('the database keeps one open incident per organizer and pattern; a dismissed one does not count', async () => {
    const row = (id: string, status: FraudIncidentRow['status']): FraudIncidentRow => ({
      tenant_id: T, id, organizer_id: USERS.sub, organizer_upn: null, organizer_name: null, pattern: 'night_hours', status, legs: 1,
      dialout_seconds: 60, cost_micros: 0, first_leg_at: '2026-11-10T08:00:00Z', last_leg_at: '2026-11-10T08:00:00Z', detail: '{}',
      block_target: 'US', episodes: 'night 2026-11-10', actions: '', opened_at: '2026-11-10T09:00:00Z', updated_at: '2026-11-10T09:00:00Z',
      resolved_at: null, resolved_by: null,
    });
    await insertIncidents(store, store.db, [row('i-1', 'open')]);
    // toMatchObject, not toThrow: better-sqlite3 builds its errors with the Error class of the first test file that
    // loaded it in this jest worker, which another file's toThrow does not recognize as an error.
    await expect(insertIncidents(store, store.db, [row('i-2', 'open')])).rejects.toMatchObject({ message: expect.stringMatching(/unique|UNIQUE/) });
    await insertIncidents(store, store.db, [row('i-3', 'dismissed')]);
    await insertIncidents(store, store.db, [{ ...row('i-4', 'open'), pattern: 'minutes_spike' }]);
    expect((await open()).map((i) => i.id).sort()).toEqual(['i-1', 'i-4']);
  });

  it('keeps the rollups equal to the legs: days, hours, countries, short calls', async () => {
    const rows = [
      leg({ number: NUMBERS.usLandline, seconds: 5400, start: '2026-11-10T10:30:00Z' }), // 30 + 60 min over two hours
      leg({ number: NUMBERS.gbLandline, seconds: 30, start: '2026-11-10T11:10:00Z' }),
      leg({ number: NUMBERS.deLandline, seconds: 0, start: '2026-11-10T11:20:00Z' }),
      leg({ number: NUMBERS.usTollFree, seconds: 900, start: '2026-11-10T11:00:00Z', callType: 'conf_in', tollFree: true }),
      leg({ number: NUMBERS.gbLandline, seconds: 45, start: '2026-11-11T23:59:30Z', organizer: USERS.addon }),
    ];
    await ingest(rows.slice(0, 2));
    await ingest(rows.slice(2));
    const days = await store.db.selectFrom('spend_daily_organizer').select(['organizer_id', 'day', 'dialout_seconds', 'dialout_legs']).where('tenant_id', '=', T).orderBy('organizer_id').orderBy('day').execute();
    expect(days.map((d) => [d.organizer_id, d.day, Number(d.dialout_seconds), Number(d.dialout_legs)])).toEqual([
      [USERS.addon, '2026-11-11', 45, 1],
      // The call that crossed midnight put 15 s in the next day's first hour; the day's own total is by start.
      [USERS.addon, '2026-11-12', 0, 0],
      [USERS.sub, '2026-11-10', 5430, 3],
    ]);
    const hours = Object.fromEntries(
      (await store.db.selectFrom('spend_daily_organizer').select(['organizer_id', 'day', 'hour_seconds']).where('tenant_id', '=', T).execute()).map((d) => [
        `${d.organizer_id} ${d.day}`,
        d.hour_seconds,
      ]),
    );
    expect(hours).toEqual({
      [`${USERS.addon} 2026-11-11`]: '23:30',
      [`${USERS.addon} 2026-11-12`]: '0:15',
      [`${USERS.sub} 2026-11-10`]: '10:1800 11:3630',
    });
    const countries = await store.db.selectFrom('fraud_countries').select(['country', 'first_call_at']).where('tenant_id', '=', T).orderBy('country').execute();
    expect(countries).toEqual([
      { country: 'DE', first_call_at: '2026-11-10T11:20:00.000Z' },
      { country: 'GB', first_call_at: '2026-11-10T11:10:00.000Z' },
      { country: 'US', first_call_at: '2026-11-10T10:30:00.000Z' },
    ]);
    const ranges = await store.db.selectFrom('fraud_range_days').select(['number_range', 'day', 'short_calls']).where('tenant_id', '=', T).orderBy('day').execute();
    expect(ranges.map((r) => [r.number_range, r.day, Number(r.short_calls)])).toEqual([
      ['442079460', '2026-11-10', 1],
      ['442079460', '2026-11-11', 1],
    ]);
  });

  it("keeps a day only the guard has (a call's hours after midnight) out of every spend figure, and a rebuild of the spend rollup keeps the guard's figures", async () => {
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 3600, start: '2026-11-11T23:30:00Z', organizer: USERS.addon })]);
    const rows = () => store.db.selectFrom('spend_daily_organizer').selectAll().where('tenant_id', '=', T).orderBy('day').execute();
    const before = await rows();
    expect(before.map((r) => [r.day, Number(r.legs), Number(r.dialout_seconds), Number(r.dialout_legs), r.hour_seconds])).toEqual([
      ['2026-11-11', 1, 3600, 1, '23:1800'],
      ['2026-11-12', 0, 0, 0, '0:1800'],
    ]);
    const spend = await spendBreakdown(store.db, T, '2026-11-12T00:00:00.000Z', '2026-11-13T00:00:00.000Z', ['organizer', 'day']);
    expect([[...spend.organizer!.keys()], [...spend.day!.keys()]]).toEqual([[], []]);
    await store.inTransaction((tx) => rebuildSpendRollup(tx, T));
    expect(await rows()).toEqual(before);
  });

  it('writes a chunk of more rollup rows than one statement holds whole', async () => {
    // Two organizers' short calls to one number on 75 days, one chunk: 150 day rows and 75 range rows to write.
    const first = Date.parse('2026-08-15T15:00:00Z');
    await ingest(
      Array.from({ length: 150 }, (_, i) =>
        leg({ number: NUMBERS.usLandline, seconds: 30 + (i % 2), start: new Date(first + Math.floor(i / 2) * 86_400_000).toISOString(), organizer: i % 2 ? USERS.sub : USERS.addon }),
      ),
    );
    const days = await store.db.selectFrom('spend_daily_organizer').select(['organizer_id', 'day', 'dialout_seconds', 'dialout_legs', 'hour_seconds']).where('tenant_id', '=', T).execute();
    expect(days).toHaveLength(150);
    for (const d of days) {
      const seconds = d.organizer_id === USERS.sub ? 31 : 30;
      expect([Number(d.dialout_seconds), Number(d.dialout_legs), d.hour_seconds]).toEqual([seconds, 1, `15:${seconds}`]);
    }
    const ranges = await store.db.selectFrom('fraud_range_days').select(['day', 'short_calls']).where('tenant_id', '=', T).orderBy('day').execute();
    expect(ranges).toHaveLength(75);
    expect(ranges[74]).toEqual({ day: '2026-10-28', short_calls: 2 });
    expect(ranges.every((r) => Number(r.short_calls) === 2)).toBe(true);
  });

  it("names a new incident's organizer as the incident's first leg in the chunk named them", async () => {
    const named = (fields: Parameters<typeof leg>[0], upn: string, name: string) => ({ ...leg(fields), userPrincipalName: upn, userDisplayName: name });
    await ingest([
      // Another organizer's legs come first in the chunk, and one that matches nothing.
      named({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 60, start: '2026-11-10T15:50:00Z', organizer: USERS.addon }, 'addon@contoso.example', 'Add On'),
      named({ number: NUMBERS.usLandline, seconds: 60, start: '2026-11-10T15:55:00Z' }, 'sub@contoso.example', 'Sub (landline)'),
      named({ number: FRAUD_NUMBERS.ukPremium(1), seconds: 600, start: '2026-11-10T16:00:00Z' }, 'sub@contoso.example', 'Sub Scriber'),
      named({ number: FRAUD_NUMBERS.ukPremium(2), seconds: 600, start: '2026-11-10T16:05:00Z' }, 'sub@contoso.example', 'Sub (renamed)'),
    ]);
    const byOrganizer = Object.fromEntries((await open()).map((i) => [i.organizer_id, [i.pattern, i.legs, i.organizer_upn, i.organizer_name]]));
    expect(byOrganizer).toEqual({
      [USERS.addon]: ['premium_rate', 1, 'addon@contoso.example', 'Add On'],
      [USERS.sub]: ['premium_rate', 2, 'sub@contoso.example', 'Sub Scriber'],
    });
  });

  it("refuses to save a chunk's rows under another tenant than their own", async () => {
    const range = { tenant_id: 'someone-else', number_range: '442079460', day: '2026-11-10', short_calls: 1 };
    const save = store.inTransaction((tx) => saveChunk(store, tx, T, { ranges: [range], countries: [] }, { opened: [], extended: [], legs: [] }));
    await expect(save).rejects.toMatchObject({ message: expect.stringMatching(/tenant someone-else in a chunk of tenant/) });
    const rows = await store.db.selectFrom('fraud_range_days').select('tenant_id').where('number_range', '=', '442079460').where('day', '=', '2026-11-10').execute();
    expect(rows.filter((r) => r.tenant_id === T || r.tenant_id === 'someone-else')).toEqual([]);
  });

  it("keeps adding to a day's row over chunks, in the organizer's spend row: the first chunk inserts it, later ones add to it", async () => {
    for (const start of ['2026-11-10T09:00:00Z', '2026-11-10T10:00:00Z', '2026-11-10T11:00:00Z', '2026-11-10T11:20:00Z']) {
      await ingest([leg({ number: NUMBERS.gbLandline, seconds: 600, start })]);
    }
    const rows = await store.db.selectFrom('spend_daily_organizer').selectAll().where('tenant_id', '=', T).execute();
    // The sums add up chunk by chunk; the hours are the day's whole each time (11:00 from two chunks).
    expect(rows.map((r) => [r.organizer_id, r.day, Number(r.legs), Number(r.dialout_seconds), Number(r.dialout_legs), r.hour_seconds])).toEqual([
      [USERS.sub, '2026-11-10', 4, 2400, 4, '9:600 10:600 11:1200'],
    ]);
  });

  it("counts an hour's seconds over every chunk that added to it: the hour's spike shows though no chunk alone has it", async () => {
    // Default limit: 240 dial-out minutes in one clock hour (the organizer has no baseline yet). Five chunks of 50
    // minutes in one hour: 250 minutes together, under the limit in any one chunk (and in any four).
    for (const minute of [0, 2, 4, 6, 8]) {
      await ingest([leg({ number: NUMBERS.gbLandline, seconds: 3000, start: `2026-11-10T16:${String(minute).padStart(2, '0')}:00Z` })]);
    }
    expect((await open()).map((i) => [i.pattern, JSON.parse(i.detail).window])).toEqual([['minutes_spike', 'hour']]);
  });

  it('reads the rows again when the settings changed since the last chunk: they decide which rows a leg touches', async () => {
    // Nine short calls (default: at most 60 s) to one range: the guard reads the next chunk's rows for the defaults.
    await ingest(Array.from({ length: 9 }, (_, i) => leg({ number: NUMBERS.gbLandline, seconds: 30, start: `2026-11-10T15:${String(10 + i)}:00Z` })));
    expect(await open()).toEqual([]);
    // Now calls of up to 120 s are short: the next chunk's 90-second call is the range's tenth short call today, which
    // only a read of the range's stored count under the new settings can tell.
    expect((await tollgate.fraud.changeSetting(T, 'short-call-seconds', ['120'], USERS.addon)).ok).toBe(true);
    await ingest([leg({ number: NUMBERS.gbLandline, seconds: 90, start: '2026-11-10T16:00:00Z' })]);
    const incidents = await open();
    expect(incidents.map((i) => [i.pattern, JSON.parse(i.detail).shortCalls])).toEqual([['short_call_burst', 10]]);
  });

  it("runs in the chunk's transaction: when the chunk fails after it, neither the legs nor the guard's rows are kept", async () => {
    const guard = new FraudGuard(store, silentLogger);
    const failing = createTollgate(store, tollgate.clock, silentLogger, {
      onSettled: async (...args) => {
        await guard.onSettled(...args);
        throw new Error('disk on fire');
      },
    });
    await expect(failing.intake.ingest(T, [leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z' })])).rejects.toMatchObject({ message: 'disk on fire' });
    const count = async (table: 'legs' | 'spend_daily_organizer' | 'fraud_countries' | 'fraud_incidents' | 'outbox') =>
      Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', T).executeTakeFirstOrThrow()).n);
    for (const table of ['legs', 'spend_daily_organizer', 'fraud_countries', 'fraud_incidents', 'outbox'] as const) expect([table, await count(table)]).toEqual([table, 0]);
    // The same legs again, with the guard that works: all of it, once.
    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z' })]);
    expect(await count('fraud_incidents')).toBe(1);
  });

  it('the migration fills in baselines and called countries from legs settled before the guard existed', async () => {
    const before = createTollgate(store, tollgate.clock, silentLogger, { fraudGuard: false });
    const r = await before.intake.ingest(T, [
      leg({ number: NUMBERS.gbLandline, seconds: 600, start: '2026-09-01T15:00:00Z' }),
      leg({ number: NUMBERS.deLandline, seconds: 120, start: '2026-09-01T16:00:00Z' }),
      leg({ number: NUMBERS.gbLandline, seconds: 300, start: '2026-09-02T15:00:00Z', organizer: USERS.addon }),
      leg({ number: NUMBERS.usTollFree, seconds: 900, start: '2026-09-01T15:00:00Z', callType: 'conf_in', tollFree: true }),
    ]);
    expect(r.ok).toBe(true);
    const rows = async () => ({
      countries: (await store.db.selectFrom('fraud_countries').select(['country', 'first_call_at']).where('tenant_id', '=', T).orderBy('country').execute()).map((c) => [c.country, c.first_call_at]),
      days: (await store.db.selectFrom('spend_daily_organizer').select(['organizer_id', 'day', 'dialout_seconds', 'dialout_legs']).where('tenant_id', '=', T).where('dialout_legs', '>', 0).orderBy('organizer_id').execute()).map((d) => [d.organizer_id, d.day, Number(d.dialout_seconds), Number(d.dialout_legs)]),
    });
    expect(await rows()).toEqual({ countries: [], days: [] });
    // 0005's backfill, where it ran: before 0018 moved the day rows into the organizers' spend rows.
    const backfill = async () => {
      await migrateDownTo(store.db, '0017_meeting_card_occurrences');
      await backfillFraudRollups(store.db);
      await migrateToLatest(store.db);
    };
    await backfill();
    const filled = {
      countries: [['DE', '2026-09-01T16:00:00.000Z'], ['GB', '2026-09-01T15:00:00.000Z']],
      days: [[USERS.addon, '2026-09-02', 300, 1], [USERS.sub, '2026-09-01', 720, 2]],
    };
    expect(await rows()).toEqual(filled);
    // Run again (another tenant's rows, or the guard's own, are there already): nothing changes.
    await backfill();
    expect(await rows()).toEqual(filled);
    // The guard goes on from there: Nigeria is new, Germany is not (known since September, learning long over).
    await ingest([leg({ number: NUMBERS.deLandline, seconds: 60, start: '2026-11-10T16:00:00Z' }), leg({ number: FRAUD_NUMBERS.nigeria, seconds: 60, start: '2026-11-10T16:05:00Z' })]);
    expect((await open()).map((i) => [i.pattern, i.episodes])).toEqual([['new_country', 'NG']]);
  });

  it('concurrent intake calls of one tenant keep the day rollups equal to the legs (the tenant lock serializes them)', async () => {
    const batch = (k: number) =>
      Array.from({ length: 30 }, (_, i) =>
        leg({ number: NUMBERS.usLandline, seconds: 60 + ((i * 7 + k) % 300), start: `2026-11-1${i % 3}T1${k}:${String(i).padStart(2, '0')}:00Z`, organizer: i % 2 ? USERS.sub : USERS.addon }),
      );
    await Promise.all([0, 1, 2, 3].map((k) => ingest(batch(k))));
    const rollup = await store.db
      .selectFrom('spend_daily_organizer')
      .select(['organizer_id', 'day', 'dialout_seconds', 'dialout_legs'])
      .where('tenant_id', '=', T)
      .orderBy('organizer_id')
      .orderBy('day')
      .execute();
    const legs = await store.db
      .selectFrom('legs')
      .select(['organizer_id', 'start_at', 'duration_seconds'])
      .where('tenant_id', '=', T)
      .where('call_type', '=', 'conf_out')
      .execute();
    const fromLegs = new Map<string, [number, number]>();
    for (const l of legs) {
      const k = `${l.organizer_id} ${l.start_at.slice(0, 10)}`;
      const [s, n] = fromLegs.get(k) ?? [0, 0];
      fromLegs.set(k, [s + Number(l.duration_seconds), n + 1]);
    }
    expect(legs).toHaveLength(120);
    expect(Object.fromEntries(rollup.map((r) => [`${r.organizer_id} ${r.day}`, [Number(r.dialout_seconds), Number(r.dialout_legs)]]))).toEqual(Object.fromEntries(fromLegs));
  });

  it('an episode an admin dismissed stays quiet; another one opens a new incident', async () => {
    await ingest([leg({ number: NUMBERS.usLandline, seconds: 60, start: '2026-09-01T15:00:00Z' })]);
    await ingest([leg({ number: FRAUD_NUMBERS.nigeria, seconds: 300, start: '2026-11-10T15:00:00Z' })]);
    const [incident] = await open();
    const dismissed = await tollgate.fraud.decide(T, incident!.id, 'dismiss', USERS.addon);
    expect(dismissed.ok).toBe(true);
    expect(await open()).toEqual([]);
    // Nigeria again within the day: still the dismissed episode.
    await ingest([leg({ number: FRAUD_NUMBERS.nigeria, seconds: 300, start: '2026-11-10T18:00:00Z' })]);
    expect(await open()).toEqual([]);
    // Kenya: a new country, a new incident.
    await ingest([leg({ number: FRAUD_NUMBERS.kenya, seconds: 300, start: '2026-11-10T19:00:00Z' })]);
    expect((await open()).map((i) => [i.pattern, i.episodes])).toEqual([['new_country', 'KE']]);
  });

  it('in real time: flags with blocking off, refuses suspected_toll_fraud with it on, and always refuses a blocked destination', async () => {
    const premium = { organizerId: USERS.sub, callType: 'conf_out', number: FRAUD_NUMBERS.ukPremium(5) };
    const flagged = await authorizeCall(store, tollgate.clock, T, premium);
    expect(flagged).toMatchObject({ ok: true, value: { allowed: true, suspectedTollFraud: ['premium_rate'] } });
    const plain = await authorizeCall(store, tollgate.clock, T, { ...premium, number: NUMBERS.gbLandline });
    expect(plain.ok && plain.value).toMatchObject({ allowed: true });
    expect(plain.ok && 'suspectedTollFraud' in plain.value).toBe(false);

    expect((await tollgate.fraud.setBlocking(T, true, USERS.addon)).ok).toBe(true);
    const refused = await authorizeCall(store, tollgate.clock, T, premium);
    expect(refused).toMatchObject({ ok: true, value: { allowed: false, reason: 'suspected_toll_fraud' } });
    expect(refused.ok && !refused.value.allowed && refused.value.message).toContain('rate $1.50/min is above the $1.00/min ceiling');
    // Dial-in is never screened.
    expect(await authorizeCall(store, tollgate.clock, T, { organizerId: USERS.sub, callType: 'conf_in', number: NUMBERS.usTollFree, numberType: 'tollFree' })).toMatchObject({ ok: true, value: { allowed: true } });

    expect((await tollgate.fraud.setBlocking(T, false, USERS.addon)).ok).toBe(true);
    expect((await tollgate.fraud.block(T, 'gb', USERS.addon)).ok).toBe(true);
    const blocked = await authorizeCall(store, tollgate.clock, T, { ...premium, number: NUMBERS.gbLandline });
    expect(blocked).toMatchObject({ ok: true, value: { allowed: false, reason: 'destination_blocked' } });
    expect(await authorizeCall(store, tollgate.clock, T, { ...premium, number: NUMBERS.deLandline })).toMatchObject({ ok: true, value: { allowed: true } });
  });

  it("restrict sets the organizer's domestic-only policy (audited) and authorize then refuses their international dial-out", async () => {
    await ingest([leg({ number: FRAUD_NUMBERS.ukPremium(0), seconds: 600, start: '2026-11-10T16:00:00Z' })]);
    const [incident] = await open();
    const r = await tollgate.fraud.decide(T, incident!.id, 'restrict', USERS.addon);
    expect(r.ok && r.value.policy).toEqual({ before: 'DialoutCPCandPSTNInternational', after: 'DialoutCPCDomesticPSTNInternational', own: false });
    expect(r.ok && r.value.incident).toMatchObject({ status: 'resolved', actions: ['restricted'] });
    expect((await tollgate.directory.user(T, USERS.sub))?.dial_out_policy).toBe('DialoutCPCDomesticPSTNInternational');
    const audit = await store.db.selectFrom('audit_log').select(['actor', 'action', 'detail']).where('tenant_id', '=', T).where('action', 'in', ['policy.set', 'fraud.incident.restrict']).orderBy('action').execute();
    expect(audit.map((a) => [a.actor, a.action])).toEqual([[USERS.addon, 'fraud.incident.restrict'], [USERS.addon, 'policy.set']]);
    expect(await authorizeCall(store, tollgate.clock, T, { organizerId: USERS.sub, callType: 'conf_out', number: NUMBERS.gbLandline })).toMatchObject({
      ok: true,
      value: { allowed: false, reason: 'dialout_domestic_only' },
    });
  });
});
