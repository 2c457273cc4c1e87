import fc from 'fast-check';
import { ledgerAlertRenderer } from '../../src/alerts/alert-notices';
import {
  alertKey,
  anomalyDays,
  balanceAlerts,
  LEDGER_ALERT_NOTICE,
  parseAlertKey,
  poolAlert,
  type LedgerAlert,
} from '../../src/alerts/ledger-alerts';
import { ADMIN_NOTICE_KIND, type AdminNoticePayload } from '../../src/notify/admin-notices';
import type { Store } from '../../src/store/database';
import type { FixedClock } from '../../src/time/clock';
import type { Tollgate } from '../../src/tollgate';
import { cardText, createHarness, type Harness, type Person } from '../bot/support/bot-harness';
import { describeEachEngine, freshStore } from '../support/engines';
import { ADMIN, NUMBERS, T, USERS, leg, micros, setUpTenant } from '../support/fixtures';

const prepaid = { billing_mode: 'prepaid' as const, low_balance_alert_micros: micros('10') };
const signed = (text: string) => (text.startsWith('-') ? -micros(text.slice(1)) : micros(text));
const entry = (seq: number, kind: 'charge' | 'auto_recharge' | 'funding' | 'expiry', after: string) => ({ seq, kind, balance_after_micros: signed(after) });

describe('which ledger changes are alerts', () => {
  it('low balance: only the transaction that takes the balance from at-or-above the alert to below it', () => {
    expect(balanceAlerts(prepaid, micros('12'), [entry(5, 'charge', '11'), entry(6, 'charge', '9.50')])).toEqual([{ kind: 'low_balance', seq: 6 }]);
    expect(balanceAlerts(prepaid, micros('10'), [entry(5, 'charge', '9.99')])).toEqual([{ kind: 'low_balance', seq: 5 }]);
    // Already below: not a new crossing.
    expect(balanceAlerts(prepaid, micros('9'), [entry(5, 'charge', '8')])).toEqual([]);
    // Above before and after.
    expect(balanceAlerts(prepaid, micros('50'), [entry(5, 'charge', '10')])).toEqual([]);
    // No alert set.
    expect(balanceAlerts({ ...prepaid, low_balance_alert_micros: null }, micros('50'), [entry(5, 'charge', '1')])).toEqual([]);
    // Expiry can cross it too.
    expect(balanceAlerts(prepaid, micros('30'), [entry(5, 'expiry', '5')])).toEqual([{ kind: 'low_balance', seq: 5 }]);
  });

  it('a dip that auto-recharge tops up in the same transaction is "auto-recharge done", not "low balance"', () => {
    const alerts = balanceAlerts(prepaid, micros('12'), [entry(7, 'charge', '9'), entry(8, 'auto_recharge', '59'), entry(9, 'charge', '58')]);
    expect(alerts).toEqual([{ kind: 'auto_recharge', seq: 8 }]);
  });

  it('reaching zero is said alone; a post-paid balance going below zero is not an alert', () => {
    expect(balanceAlerts(prepaid, micros('12'), [entry(3, 'charge', '0')])).toEqual([{ kind: 'balance_zero', seq: 3 }]);
    expect(balanceAlerts(prepaid, micros('0.01'), [entry(3, 'charge', '-4')])).toEqual([{ kind: 'balance_zero', seq: 3 }]);
    expect(balanceAlerts(prepaid, micros('0'), [entry(3, 'charge', '-4')])).toEqual([]);
    expect(balanceAlerts({ ...prepaid, billing_mode: 'postpaid' }, micros('12'), [entry(3, 'charge', '-4')])).toEqual([{ kind: 'low_balance', seq: 3 }]);
  });

  it('the pool: 80 % and 100 % once each, the highest one crossed when a chunk crosses both', () => {
    const total = 7200;
    expect(poolAlert('2026-11', 5000, 5760, total)).toEqual({ kind: 'pool', month: '2026-11', percent: 80, totalSeconds: total });
    expect(poolAlert('2026-11', 5760, 7000, total)).toBeUndefined();
    expect(poolAlert('2026-11', 7000, 7200, total)).toEqual({ kind: 'pool', month: '2026-11', percent: 100, totalSeconds: total });
    expect(poolAlert('2026-11', 100, 9000, total)).toEqual({ kind: 'pool', month: '2026-11', percent: 100, totalSeconds: total });
    expect(poolAlert('2026-11', 7200, 7300, total)).toBeUndefined();
    expect(poolAlert('2026-11', 0, 60, 0)).toBeUndefined();
  });

  it('anomaly days: recent legs with a policy or license flag, not rate-card flags or history', () => {
    const at = '2026-11-15T12:00:00.000Z';
    const legs = [
      { flags: 'dialout_domestic_only', start_at: '2026-11-14T09:00:00.000Z' },
      { flags: 'rate_not_found', start_at: '2026-11-13T09:00:00.000Z' },
      { flags: '', start_at: '2026-11-12T09:00:00.000Z' },
      { flags: 'insufficient_credits,no_audio_conferencing_license', start_at: '2026-11-10T09:00:00.000Z' },
      { flags: 'unknown_organizer', start_at: '2026-10-01T09:00:00.000Z' },
    ];
    expect(anomalyDays(legs, at)).toEqual(['2026-11-10', '2026-11-14']);
  });

  it('keys name the crossing and read back; anything else is not a key', () => {
    const alert: fc.Arbitrary<LedgerAlert> = fc.oneof(
      fc.record({ kind: fc.constantFrom('low_balance' as const, 'balance_zero' as const, 'auto_recharge' as const), seq: fc.nat() }),
      fc.record({
        kind: fc.constant('pool' as const),
        month: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 7)),
        percent: fc.constantFrom(80, 100),
        totalSeconds: fc.nat(),
      }),
      fc.record({
        kind: fc.constant('anomaly' as const),
        day: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      }),
    );
    fc.assert(fc.property(alert, (a) => expect(parseAlertKey(alertKey(a))).toEqual(a)));
    for (const bad of ['', 'low_balance', 'low_balance:x', 'low_balance:1:2', 'pool:2026-11:80', 'pool:nov:80:7200', 'anomaly:2026-11', 'other:1']) {
      expect(parseAlertKey(bad)).toBeUndefined();
    }
  });
});

const sub: Person = { aadObjectId: USERS.sub, teamsId: '29:sub', name: 'Sub Scriber' };

describeEachEngine('admin alerts through intake and the ledger', (engine) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let tollgate: Tollgate;
  let clock: FixedClock;
  let h: Harness;

  /** The alerts queued so far, one per admin each: `key → admins`. */
  async function queued(): Promise<Record<string, string[]>> {
    const rows = await store.db.selectFrom('outbox').select(['payload', 'kind']).where('tenant_id', '=', T).execute();
    const out: Record<string, string[]> = {};
    for (const r of rows) {
      if (r.kind !== ADMIN_NOTICE_KIND) continue;
      const p = JSON.parse(r.payload) as AdminNoticePayload;
      if (p.notice !== LEDGER_ALERT_NOTICE) continue;
      (out[p.key] ??= []).push(p.adminId);
    }
    for (const k of Object.keys(out)) out[k]!.sort();
    return out;
  }

  async function ingest(...legs: Record<string, unknown>[]) {
    const r = await tollgate.intake.ingest(T, legs);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }

  async function lastSeq(): Promise<number> {
    const row = await store.db.selectFrom('tenants').select('last_entry_seq').where('tenant_id', '=', T).executeTakeFirstOrThrow();
    return Number(row.last_entry_seq);
  }

  beforeEach(async () => {
    ({ store, cleanup } = await freshStore(engine));
    ({ tollgate, clock } = await setUpTenant(store, { fund: '20', poolLicenses: 1 }));
    for (const u of [USERS.sub, USERS.addon]) {
      const r = await tollgate.directory.setAdmin(T, u, true, ADMIN);
      if (!r.ok) throw new Error(r.message);
    }
    const alert = await tollgate.directory.setLowBalanceAlert(T, micros('10'), ADMIN);
    if (!alert.ok) throw new Error(alert.message);
    h = createHarness(tollgate, { adminNoticeRenderers: { [LEDGER_ALERT_NOTICE]: ledgerAlertRenderer(store) } });
  });
  afterEach(async () => cleanup());

  it('low balance: once per crossing, to every admin; a replayed batch and further charges below it add nothing', async () => {
    // u-ppm pays per minute, from credits: to Germany (domestic for them) at $0.06/min, 100 minutes = $6.00, then
    // 70 minutes = $4.20: $20 → $14 → $9.80, below the $10 alert.
    const first = leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 6000, start: '2026-11-14T09:00:00Z' });
    await ingest(first);
    expect(Object.keys(await queued()).filter((k) => k.startsWith('low_balance'))).toEqual([]);
    const second = leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 4200, start: '2026-11-14T11:00:00Z' });
    await ingest(second);
    const crossing = await lastSeq();
    expect(await queued()).toEqual({ [`low_balance:${crossing}`]: [USERS.addon, USERS.sub] });

    await ingest(first, second); // the same records again: nothing new is charged, nothing new is queued
    await ingest(leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 60, start: '2026-11-14T12:00:00Z' }));
    expect(Object.keys(await queued())).toEqual([`low_balance:${crossing}`]);

    // Funded above the alert, then below it again: a second crossing, a second alert.
    expect((await tollgate.ledger.fund(T, micros('5'), ADMIN)).ok).toBe(true);
    await ingest(leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 6000, start: '2026-11-14T13:00:00Z' }));
    const again = await lastSeq();
    expect(Object.keys(await queued()).sort()).toEqual([`low_balance:${crossing}`, `low_balance:${again}`].sort());
  });

  it('an admin adjustment that crosses the alert is one too; reaching zero says so instead', async () => {
    expect((await tollgate.ledger.adjust(T, -micros('15'), ADMIN, 'correction')).ok).toBe(true);
    const low = await lastSeq();
    expect((await tollgate.ledger.adjust(T, -micros('5'), ADMIN, 'correction')).ok).toBe(true);
    const zero = await lastSeq();
    expect(await queued()).toEqual({ [`low_balance:${low}`]: [USERS.addon, USERS.sub], [`balance_zero:${zero}`]: [USERS.addon, USERS.sub] });
  });

  it('auto-recharge done: one alert per recharge, none for the dip it covered', async () => {
    expect((await tollgate.ledger.setAutoRecharge(T, micros('15'), micros('50'), ADMIN)).ok).toBe(true);
    await ingest(leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 6000, start: '2026-11-14T09:00:00Z' }));
    const recharge = await store.db.selectFrom('ledger_entries').select('seq').where('tenant_id', '=', T).where('kind', '=', 'auto_recharge').execute();
    expect(recharge).toHaveLength(1);
    expect(await queued()).toEqual({ [`auto_recharge:${recharge[0]!.seq}`]: [USERS.addon, USERS.sub] });
  });

  it('the dial-out pool at 80 % and at 100 %, once each this month; last month\'s records are not news', async () => {
    // One pool license: 60 minutes. u-sub's dial-outs to US landlines draw on it.
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 47 * 60, start: '2026-11-14T09:00:00Z' }));
    expect(await queued()).toEqual({});
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 2 * 60, start: '2026-11-14T10:00:00Z' }));
    expect(await queued()).toEqual({ 'pool:2026-11:80:3600': [USERS.addon, USERS.sub] });
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 5 * 60, start: '2026-11-14T11:00:00Z' }));
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 20 * 60, start: '2026-11-14T12:00:00Z' }));
    expect(Object.keys(await queued()).sort()).toEqual(['pool:2026-11:100:3600', 'pool:2026-11:80:3600']);
    // October's pool filling up, imported now, alerts nobody.
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 60 * 60, start: '2026-10-14T12:00:00Z' }));
    expect(Object.keys(await queued()).sort()).toEqual(['pool:2026-11:100:3600', 'pool:2026-11:80:3600']);
  });

  it('anomaly legs: one alert per day of calls, however many legs and batches', async () => {
    const broke = (start: string) => leg({ number: NUMBERS.usLandline, organizer: USERS.ppm, seconds: 120, start });
    await ingest(broke('2026-11-14T09:00:00Z'), broke('2026-11-14T10:00:00Z'));
    await ingest(broke('2026-11-14T11:00:00Z'), leg({ number: NUMBERS.usLandline, organizer: USERS.none, seconds: 60, start: '2026-11-13T08:00:00Z' }));
    // A call that broke nothing, and an old one that did.
    await ingest(leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 60, start: '2026-11-14T12:00:00Z' }), broke('2026-10-02T09:00:00Z'));
    expect(await queued()).toEqual({ 'anomaly:2026-11-13': [USERS.addon, USERS.sub], 'anomaly:2026-11-14': [USERS.addon, USERS.sub] });
  });

  it('delivers cards that say what crossed and how things stand now', async () => {
    await h.say('help', sub);
    clock.advance(60_000);
    await ingest(
      leg({ number: NUMBERS.usLandline, organizer: USERS.ppm, seconds: 300, start: '2026-11-14T09:00:00Z' }),
      leg({ number: NUMBERS.deLandline, organizer: USERS.ppm, seconds: 10_800, start: '2026-11-14T10:00:00Z' }),
    );
    await h.worker.drain();
    const texts = h.adapter.proactive.map((p) => cardText(p.activity.attachments?.[0]?.content));
    // u-addon never opened a chat: only u-sub's copies are sent.
    expect(texts).toHaveLength(2);
    const low = texts.find((t) => t.includes('Balance below your low-balance alert'));
    expect(low).toBeDefined();
    // 20 - 5 × 0.03 (the US call, charged although the policy forbids it) - 180 × 0.06 = 9.05 … and 20 - 0.15 - 10.80 = 9.05.
    expect(low).toContain('$9.05');
    expect(low).toContain('Below $10.00');
    expect(low).toContain('credits add');
    expect(low).toContain('Sent once each time the balance falls below the alert');
    const anomaly = texts.find((t) => t.includes('broke a policy or license rule'));
    expect(anomaly).toBeDefined();
    expect(anomaly).toContain('Policy allows domestic dial-out only');
    expect(anomaly).toContain('Pay PerMinute');
    expect(anomaly).toContain('1 call');
    expect(anomaly).toContain('should not have allowed it.');
    expect(anomaly).toContain('Sent once per day of calls');
    const rows = await store.db.selectFrom('outbox').select('status').where('tenant_id', '=', T).execute();
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(2);
  });

  it('the pool and zero cards', async () => {
    await h.say('help', sub);
    await ingest(leg({ number: NUMBERS.usLandline, organizer: USERS.sub, seconds: 61 * 60, start: '2026-11-14T09:00:00Z' }));
    expect((await tollgate.ledger.adjust(T, -micros('30'), ADMIN, 'test')).ok).toBe(true);
    await h.worker.drain();
    const texts = h.adapter.proactive.map((p) => cardText(p.activity.attachments?.[0]?.content));
    const pool = texts.find((t) => t.includes('Dial-out minute pool used up'));
    expect(pool).toContain('60 of 60 min (100%)');
    const zero = texts.find((t) => t.includes('Communications Credits used up'));
    expect(zero).toBeDefined();
    expect(zero).toContain('refused');
  });
});
