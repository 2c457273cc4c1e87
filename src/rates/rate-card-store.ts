import { RateCard, parseRateCardCsv, type Rate, type RateKind } from '../billing/rate-card';
import type { Tx } from '../store/database';
import { DEFAULT_RATE_CARD, loadRateRows, replaceRates, type RateRow } from '../store/rate-store';
import type { TenantRow } from '../store/tenant-store';
import { failure, ok, type Outcome } from '../outcome';

/** The card that prices a tenant's legs: its own, else the default. A card in another currency prices nothing. */
export async function loadRateCard(tx: Tx, tenant: Pick<TenantRow, 'tenant_id' | 'currency'>): Promise<RateCard> {
  const rows = await loadRateRows(tx, tenant.tenant_id);
  // The rows are read in the caller's transaction every time; only building the card from them is saved when they
  // are exactly the rows the cached card was built from (a RateCard is immutable, so it can be shared).
  const key = `${tenant.tenant_id}\u0000${tenant.currency}`;
  const hit = builtCards.get(key);
  if (hit && hit.currency === tenant.currency && sameRows(hit.rows, rows)) return hit.card;
  const card = new RateCard(rows.filter((r) => r.currency === tenant.currency).map(rateFromRow));
  if (builtCards.size >= BUILT_CARDS_LIMIT && !builtCards.has(key)) builtCards.delete(builtCards.keys().next().value!);
  builtCards.set(key, { currency: tenant.currency, rows, card });
  return card;
}

const BUILT_CARDS_LIMIT = 100;
const builtCards = new Map<string, { currency: string; rows: RateRow[]; card: RateCard }>();

/** Row by row and column by column (every column the query returned), so any change to the card is seen. */
function sameRows(a: RateRow[], b: RateRow[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  const columns = Object.keys(a[0]!) as (keyof RateRow)[];
  if (Object.keys(b[0]!).length !== columns.length) return false;
  for (let i = 0; i < a.length; i++) {
    for (const column of columns) if (a[i]![column] !== b[i]![column]) return false;
  }
  return true;
}

/**
 * Parses and stores a rate card CSV, replacing the tenant's (or, without a tenant, the default) card whole.
 * Nothing is written when any line is bad.
 */
export async function storeRateCardCsv(
  tx: Tx,
  csv: string,
  tenant: Pick<TenantRow, 'tenant_id' | 'currency'> | undefined,
): Promise<Outcome<{ rates: number; currency: string | undefined }>> {
  const parsed = parseRateCardCsv(csv);
  if (!parsed.ok) {
    const lines = parsed.errors.slice(0, 10).map((e) => `line ${e.line}: ${e.reason}`);
    const more = parsed.errors.length > 10 ? `; and ${parsed.errors.length - 10} more` : '';
    return failure('invalid_rate_card', `The rate card has errors, nothing was loaded: ${lines.join('; ')}${more}`);
  }
  if (parsed.rates.length === 0) return failure('invalid_rate_card', 'The rate card has no rates: nothing was loaded.');
  const currency = parsed.rates[0]!.currency;
  if (tenant && currency !== tenant.currency) {
    return failure('currency_mismatch', `The rate card is in ${currency} but the tenant's currency is ${tenant.currency}: nothing was loaded.`);
  }
  await replaceRates(tx, tenant?.tenant_id ?? DEFAULT_RATE_CARD, parsed.rates.map((r) => rowFromRate(tenant?.tenant_id ?? DEFAULT_RATE_CARD, r)));
  return ok({ rates: parsed.rates.length, currency });
}

function rateFromRow(r: RateRow): Rate {
  return {
    kind: r.kind as RateKind,
    prefix: r.prefix,
    country: r.country,
    description: r.description,
    perMinuteMicros: Number(r.per_minute_micros),
    connectionFeeMicros: Number(r.connection_fee_micros),
    incrementSeconds: Number(r.increment_seconds),
    currency: r.currency,
    effectiveFrom: r.effective_from,
  };
}

function rowFromRate(tenantId: string, r: Rate): RateRow {
  return {
    tenant_id: tenantId,
    kind: r.kind,
    prefix: r.prefix,
    country: r.country,
    effective_from: r.effectiveFrom,
    description: r.description,
    per_minute_micros: r.perMinuteMicros,
    connection_fee_micros: r.connectionFeeMicros,
    increment_seconds: r.incrementSeconds,
    currency: r.currency,
  };
}
