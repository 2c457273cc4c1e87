import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Tx } from '../store/database';

/** The row of report_keys that signs legs.csv links. */
const KEY_NAME = 'report-links-v1';
/** How long a link lives by default, and the longest a link may claim (a far-off expiry is refused even if signed). */
export const LINK_TTL_SECONDS = 5 * 60;
export const MAX_LINK_TTL_SECONDS = 15 * 60;

export interface LegsLink {
  tenant: string;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
  /** Unix seconds. */
  expires: number;
}

/** The deployment's signing secret, created on first use; a replica that loses the race reads the winner's. */
export async function reportSecret(db: Tx, now: Date): Promise<Buffer> {
  await db
    .insertInto('report_keys')
    .values({ key_name: KEY_NAME, secret: randomBytes(32).toString('hex'), created_at: now.toISOString() })
    .onConflict((oc) => oc.column('key_name').doNothing())
    .execute();
  const row = await db.selectFrom('report_keys').select('secret').where('key_name', '=', KEY_NAME).executeTakeFirstOrThrow();
  return Buffer.from(row.secret, 'hex');
}

function signature(secret: Buffer, link: LegsLink): string {
  // Newline-separated: no field can hold a newline (the route checks the days), so no two links share a message.
  return createHmac('sha256', secret).update(['legs.csv', link.tenant, link.from, link.to, String(link.expires)].join('\n')).digest('hex');
}

/** A signed path for GET /api/reports/legs.csv, valid for `ttlSeconds`. */
export async function createLegsLink(db: Tx, range: { tenant: string; from: string; to: string }, now: Date, ttlSeconds = LINK_TTL_SECONDS): Promise<string> {
  const link: LegsLink = { ...range, expires: Math.floor(now.getTime() / 1000) + ttlSeconds };
  const sig = signature(await reportSecret(db, now), link);
  const q = new URLSearchParams({ tenant: link.tenant, from: link.from, to: link.to, expires: String(link.expires), sig });
  return `/api/reports/legs.csv?${q.toString()}`;
}

/** True only for an untampered, unexpired link; the signature is compared in constant time. */
export async function verifyLegsLink(db: Tx, link: LegsLink, sig: string, now: Date): Promise<boolean> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (!Number.isSafeInteger(link.expires) || link.expires <= nowSeconds || link.expires > nowSeconds + MAX_LINK_TTL_SECONDS) return false;
  if (!/^[0-9a-f]{64}$/.test(sig)) return false;
  const expected = Buffer.from(signature(await reportSecret(db, now), link), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
}
