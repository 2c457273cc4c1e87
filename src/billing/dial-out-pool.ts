/**
 * The dial-out minute pool of Audio Conferencing subscriptions: 60 minutes per license per calendar month
 * (UTC), pooled for the whole tenant. Which licenses count (purchased, as Microsoft's current docs say, or
 * assigned, as an older version said) is a tenant setting: callers pass the count.
 */
export const POOL_SECONDS_PER_LICENSE = 3600;

/** Admins are alerted when usage reaches these percentages of the pool. */
export const POOL_ALERT_PERCENTS = [80, 100] as const;
export type PoolAlertPercent = (typeof POOL_ALERT_PERCENTS)[number];

export function poolSecondsFor(poolLicenses: number): number {
  if (!Number.isSafeInteger(poolLicenses) || poolLicenses < 0) throw new RangeError(`license count must be a non-negative integer, got ${poolLicenses}`);
  return poolLicenses * POOL_SECONDS_PER_LICENSE;
}

/** The pool's month for a moment: 'YYYY-MM' in UTC (the pool resets at 00:00 UTC on the 1st). */
export function poolMonth(at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('poolMonth needs a valid Date');
  // Once per rated leg: written from the year and month rather than toISOString (a microsecond), for the years
  // toISOString writes with four digits; it writes the others (±YYYYYY) and stays the reference.
  const year = at.getUTCFullYear();
  if (year < 1000 || year > 9999) return at.toISOString().slice(0, 7);
  const month = at.getUTCMonth() + 1;
  return `${year}-${month < 10 ? '0' : ''}${month}`;
}

/**
 * Splits a leg's billed seconds between the pool and credits: the pool pays what it still has, credits the
 * rest, second by second. A negative remainder (licenses removed mid-month) is an empty pool.
 */
export function splitPool(billedSeconds: number, poolRemainingSeconds: number): { poolSeconds: number; creditSeconds: number } {
  const poolSeconds = Math.min(billedSeconds, Math.max(0, poolRemainingSeconds));
  return { poolSeconds, creditSeconds: billedSeconds - poolSeconds };
}

/**
 * The alert thresholds crossed when pool usage went from `usedBefore` to `usedAfter` seconds, so each alert
 * fires once: the leg that reaches 80 % (or 100 %) reports it, later legs do not. An empty pool alerts nothing.
 */
export function poolAlertsCrossed(poolSeconds: number, usedBefore: number, usedAfter: number): PoolAlertPercent[] {
  if (poolSeconds <= 0) return [];
  // Compare used×100 with threshold×pool to stay in integers.
  return POOL_ALERT_PERCENTS.filter((pct) => usedBefore * 100 < pct * poolSeconds && usedAfter * 100 >= pct * poolSeconds);
}
