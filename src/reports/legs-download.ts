import type { Tx } from '../store/database';
import { createLegsLink, LINK_TTL_SECONDS } from './signed-link';

/** The whole UTC days (YYYY-MM-DD, both inclusive) that cover [from, to) given as ISO instants. */
export function coveringDays(range: { from: string; to: string }): { from: string; to: string } {
  const from = new Date(Date.parse(range.from)).toISOString().slice(0, 10);
  const to = new Date(Date.parse(range.to) - 1).toISOString().slice(0, 10);
  return { from, to: to < from ? from : to };
}

/**
 * The absolute address of one tenant's legs CSV for a period, under the server's public base URL: a signed link
 * (reports/signed-link.ts) that names only that tenant and stops working after `ttlSeconds`. The period is widened to
 * whole UTC days, the link format's unit.
 */
export async function legsDownloadUrl(
  db: Tx,
  publicBaseUrl: string,
  tenantId: string,
  range: { from: string; to: string },
  now: Date,
  ttlSeconds = LINK_TTL_SECONDS,
): Promise<string> {
  const path = await createLegsLink(db, { tenant: tenantId, ...coveringDays(range) }, now, ttlSeconds);
  return `${publicBaseUrl.replace(/\/+$/, '')}${path}`;
}
