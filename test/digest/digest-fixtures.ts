import { insertMeetingCard } from '../../src/store/bot-store';
import type { Store } from '../../src/store/database';
import type { Tollgate } from '../../src/tollgate';
import { NUMBERS, T, USERS, leg } from '../support/fixtures';

/**
 * Two months of legs on the standard test tenant (1 pool license = 60 minutes a month), worked out by hand from the
 * test rate card:
 *
 * October 2026: 0.80 in 3 legs
 *   o1 ppm dial-out DE 10 min × 0.06 = 0.60 · o2 sub dial-out GB 30 min, pool = 0 · o3 sub toll-free dial-in 5 min × 0.04 = 0.20
 * November 2026: 1.17 in 6 legs
 *   n1 ppm dial-out DE 5 min = 0.30 · n2 ppm toll dial-in DE 5 min × 0.04 = 0.20 (pay-per-minute)
 *   n3 sub toll-free dial-in 10 min = 0.40 · n4 sub dial-out GB 45 min, pool = 0
 *   n5 sub dial-out US 20 min: 15 from the pool, 5 × 0.03 = 0.15 · n6 sub dial-out DE 2 min, pool empty, × 0.06 = 0.12
 *   by kind: dial-out 0.57, toll-free 0.40, pay-per-minute dial-in 0.20; pool 60 of 60 min
 *   meetings: conf-sub-nov (n3–n6) 0.67 "Quarterly review", conf-ppm-nov (n1, n2) 0.50
 *   organizers: Sub Scriber 0.67 in 4 calls, Pay PerMinute 0.50 in 2 calls
 * December 2026: nothing. A leg of another tenant in November must never count.
 */
export const OCTOBER_MICROS = 800_000;
export const NOVEMBER_MICROS = 1_170_000;

export async function seedTwoMonths(store: Store, tollgate: Tollgate): Promise<void> {
  const at = (day: string, time: string) => `2026-${day}T${time}:00Z`;
  const r = await tollgate.intake.ingest(T, [
    leg({ id: 'o1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 600, start: at('10-05', '09:00'), conferenceId: 'conf-ppm-oct' }),
    leg({ id: 'o2', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 1800, start: at('10-06', '09:00'), conferenceId: 'conf-sub-oct' }),
    leg({ id: 'o3', organizer: USERS.sub, callType: 'conf_in', tollFree: true, number: NUMBERS.usTollFree, seconds: 300, start: at('10-31', '23:59'), conferenceId: 'conf-sub-oct' }),
    leg({ id: 'n1', organizer: USERS.ppm, number: NUMBERS.deLandline, seconds: 300, start: at('11-01', '00:00'), conferenceId: 'conf-ppm-nov' }),
    leg({ id: 'n2', organizer: USERS.ppm, callType: 'conf_in', number: NUMBERS.deLandline, seconds: 300, start: at('11-01', '00:05'), conferenceId: 'conf-ppm-nov' }),
    leg({ id: 'n3', organizer: USERS.sub, callType: 'conf_in', tollFree: true, number: NUMBERS.usTollFree, seconds: 600, start: at('11-10', '09:00'), conferenceId: 'conf-sub-nov' }),
    leg({ id: 'n4', organizer: USERS.sub, number: NUMBERS.gbLandline, seconds: 2700, start: at('11-10', '10:00'), conferenceId: 'conf-sub-nov' }),
    leg({ id: 'n5', organizer: USERS.sub, number: NUMBERS.usLandline, seconds: 1200, start: at('11-10', '11:00'), conferenceId: 'conf-sub-nov' }),
    leg({ id: 'n6', organizer: USERS.sub, number: NUMBERS.deLandline, seconds: 120, start: at('11-30', '23:59'), conferenceId: 'conf-sub-nov' }),
  ]);
  if (!r.ok) throw new Error(r.message);
  if (r.value.accepted !== 9) throw new Error(`seeded ${r.value.accepted} legs: ${JSON.stringify(r.value.rejected)}`);
  await insertMeetingCard(store.db, {
    tenant_id: T,
    conference_id: 'conf-sub-nov',
    meeting_id: 'meeting-1',
    organizer_id: USERS.sub,
    title: 'Quarterly review',
    ended_at: null,
    conversation_id: null,
    activity_id: null,
    created_at: '2026-11-10T09:00:00.000Z',
    updated_at: '2026-11-10T09:00:00.000Z',
  });
}

/** What the database holds for a month: the legs' charges (by start time) and the ledger's charge entries for them. */
export async function monthSums(store: Store, tenantId: string, month: string): Promise<{ legsMicros: number; ledgerMicros: number; legs: number }> {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const from = new Date(Date.UTC(y, m - 1, 1)).toISOString();
  const to = new Date(Date.UTC(y, m, 1)).toISOString();
  const legs = await store.db
    .selectFrom('legs')
    .select(['id', 'charge_micros'])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .execute();
  const ids = new Set(legs.map((l) => l.id));
  const entries = await store.db.selectFrom('ledger_entries').select(['leg_id', 'amount_micros']).where('tenant_id', '=', tenantId).where('kind', '=', 'charge').execute();
  return {
    legsMicros: legs.reduce((s, l) => s + Number(l.charge_micros), 0),
    ledgerMicros: -entries.filter((e) => e.leg_id !== null && ids.has(e.leg_id)).reduce((s, e) => s + Number(e.amount_micros), 0),
    legs: legs.length,
  };
}
