import { sql } from 'kysely';
import type { Tx } from './database';

/** Aggregates over rated legs in [from, to) by start time, for usage cards and reports. */
export interface SpendRow {
  key: string;
  chargeMicros: number;
  legs: number;
  billedSeconds: number;
}

type GroupColumn = 'call_type' | 'destination_country' | 'organizer_id' | 'conference_id' | 'paid_by';

function normalize(rows: { key: string | null; charge: unknown; legs: unknown; billed: unknown }[]): SpendRow[] {
  return rows.map((r) => ({ key: r.key ?? '', chargeMicros: Number(r.charge), legs: Number(r.legs), billedSeconds: Number(r.billed) }));
}

export async function spendBy(tx: Tx, tenantId: string, from: string, to: string, column: GroupColumn, limit?: number): Promise<SpendRow[]> {
  let q = tx
    .selectFrom('legs')
    .select((eb) => [
      eb.ref(column).as('key'),
      eb.fn.sum<number>('charge_micros').as('charge'),
      eb.fn.countAll<number>().as('legs'),
      eb.fn.sum<number>('billed_seconds').as('billed'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .groupBy(column)
    .orderBy('charge', 'desc')
    .orderBy('key');
  if (limit) q = q.limit(limit);
  return normalize(await q.execute());
}

/** Spend split the way the balance card shows it: by call type and whether the dial-in was toll-free. */
export async function spendByKind(tx: Tx, tenantId: string, from: string, to: string): Promise<{ callType: string; tollFree: boolean; chargeMicros: number; legs: number }[]> {
  const rows = await tx
    .selectFrom('legs')
    .select((eb) => ['call_type', 'toll_free', eb.fn.sum<number>('charge_micros').as('charge'), eb.fn.countAll<number>().as('legs')])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .groupBy(['call_type', 'toll_free'])
    .execute();
  return rows.map((r) => ({ callType: r.call_type, tollFree: Number(r.toll_free) === 1, chargeMicros: Number(r.charge), legs: Number(r.legs) }));
}

/** Spend per UTC day (YYYY-MM-DD). ISO timestamps share their first ten characters per day on both engines. */
export async function spendByDay(tx: Tx, tenantId: string, from: string, to: string): Promise<{ day: string; chargeMicros: number }[]> {
  const day = sql<string>`substr(start_at, 1, 10)`;
  const rows = await tx
    .selectFrom('legs')
    .select((eb) => [day.as('day'), eb.fn.sum<number>('charge_micros').as('charge')])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'rated')
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .groupBy(day)
    .orderBy(day)
    .execute();
  return rows.map((r) => ({ day: r.day, chargeMicros: Number(r.charge) }));
}
