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
